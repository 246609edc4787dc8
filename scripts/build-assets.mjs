// Builds CareMode's static files from npm packages into caremode/core/static_build/.
// Run by `make assets`; nothing is fetched at run time.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "caremode", "core", "static_build");
const modules = join(root, "node_modules");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "caremode"), { recursive: true });

const nhsuk = join(modules, "nhsuk-frontend", "dist", "nhsuk");
cpSync(join(nhsuk, "nhsuk-frontend.min.js"), join(out, "nhsuk", "nhsuk-frontend.min.js"));
cpSync(join(nhsuk, "assets"), join(out, "nhsuk", "assets"), { recursive: true });
cpSync(join(modules, "htmx.org", "dist", "htmx.min.js"), join(out, "htmx", "htmx.min.js"));

const css = sass.compile(join(root, "assets", "caremode.scss"), {
  loadPaths: [modules],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "caremode", "caremode.css"), css.css);
console.log(`Assets built into ${out}`);
