// Load a CZML file with Cesium's own CzmlDataSource (npm @cesium/engine) and print, as JSON,
// what Cesium made of it: the entities, the clock, and for every satellite its position
// interpolated by Cesium half-way between consecutive samples. Used by czml_cesium.py.
// Cesium names a few browser classes in its property tables; stand-ins let it run in Node.
globalThis.Image = class Image {};
globalThis.HTMLCanvasElement = class HTMLCanvasElement {};
globalThis.HTMLImageElement = class HTMLImageElement {};
globalThis.HTMLVideoElement = class HTMLVideoElement {};
import fs from "node:fs";
const { CzmlDataSource, JulianDate } = await import("@cesium/engine");

const czml = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));
const source = await CzmlDataSource.load(czml);
const out = {
  entities: source.entities.values.length,
  clock: [JulianDate.toIso8601(source.clock.startTime), JulianDate.toIso8601(source.clock.stopTime)],
  satellites: [],
};
for (const packet of czml) {
  if (!packet.position || !packet.position.cartesian) continue;
  const entity = source.entities.getById(packet.id);
  const epoch = JulianDate.fromIso8601(packet.position.epoch);
  const c = packet.position.cartesian;
  const times = [], positions = [];
  for (let k = 0; k + 7 < c.length; k += 4) {
    const t = (c[k] + c[k + 4]) / 2;
    const p = entity.position.getValue(JulianDate.addSeconds(epoch, t, new JulianDate()));
    times.push(t);
    positions.push([p.x, p.y, p.z]);
  }
  out.satellites.push({ id: packet.id, times_s: times, positions_m: positions });
}
console.log(JSON.stringify(out));
