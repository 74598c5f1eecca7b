from orbitsim.cli import main

main()
