// A plain-words reading of the common cron shapes for the schedule trigger's preview.

export type CronReading =
  | { kind: "every_minutes"; every: number }
  | { kind: "hourly"; minute: number }
  | { kind: "daily"; time: string }
  | { kind: "weekdays"; time: string; days: number[] }
  | { kind: "monthly"; time: string; day: number }
  | { kind: "custom" };

const NUMBER = /^\d+$/;
const DAY_NAMES = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

function day(value: string): number {
  const named = DAY_NAMES.indexOf(value.toLowerCase());
  return named >= 0 ? named : Number(value) % 7;
}

/** Days of week 0-6 (Sunday 0) of a field like `1-5`, `mon,wed`, `0`, or null if it is not one. */
function days(field: string): number[] | null {
  const out = new Set<number>();
  for (const part of field.split(",")) {
    const [low, high] = part.split("-");
    const ok = (v: string | undefined) => v !== undefined && (NUMBER.test(v) || DAY_NAMES.includes(v.toLowerCase()));
    if (!ok(low) || (high !== undefined && !ok(high))) return null;
    const start = day(low);
    const end = high === undefined ? start : day(high);
    for (let d = start; ; d = (d + 1) % 7) {
      out.add(d);
      if (d === end) break;
    }
  }
  return [...out].sort();
}

export function readCron(cron: string): CronReading {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) return { kind: "custom" };
  const [minute, hour, dom, month, dow] = fields;
  const step = /^\*\/(\d+)$/.exec(minute);
  if (step && hour === "*" && dom === "*" && month === "*" && dow === "*") return { kind: "every_minutes", every: Number(step[1]) };
  if (!NUMBER.test(minute) || Number(minute) > 59) return { kind: "custom" };
  if (hour === "*" && dom === "*" && month === "*" && dow === "*") return { kind: "hourly", minute: Number(minute) };
  if (!NUMBER.test(hour) || Number(hour) > 23 || month !== "*") return { kind: "custom" };
  const time = `${hour.padStart(2, "0")}:${minute.padStart(2, "0")}`;
  if (dom === "*" && dow === "*") return { kind: "daily", time };
  if (dom === "*") {
    const list = days(dow);
    return list ? { kind: "weekdays", time, days: list } : { kind: "custom" };
  }
  if (NUMBER.test(dom) && dow === "*") return { kind: "monthly", time, day: Number(dom) };
  return { kind: "custom" };
}
