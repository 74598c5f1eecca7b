"""orbitsim benchmarks: each module times orbitsim against its references in the same run."""
