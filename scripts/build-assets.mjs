// Builds CareMode's static files from npm packages into caremode/core/static_build/.
// Run by `make assets`; nothing is fetched at run time.
import { cpSync, existsSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
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

// The NHS font (Frutiger) is licensed, so it is not in the npm package: a trust that holds the
// licence puts the four files in assets/fonts/ and they are served with the other static files.
// Without them the stylesheet uses the frontend's fallbacks (Arial, then sans-serif).
const fontFiles = [
  "FrutigerLTW01-55Roman.woff2",
  "FrutigerLTW01-55Roman.woff",
  "FrutigerLTW01-65Bold.woff2",
  "FrutigerLTW01-65Bold.woff",
];
const fontsDir = join(root, "assets", "fonts");
const frutigerLicensed = fontFiles.every((name) => existsSync(join(fontsDir, name)));
if (frutigerLicensed) {
  mkdirSync(join(out, "nhsuk", "fonts"), { recursive: true });
  for (const name of fontFiles) cpSync(join(fontsDir, name), join(out, "nhsuk", "fonts", name));
}
const fontSettings = {
  canonicalize: (url) => (url === "caremode:fonts" ? new URL(url) : null),
  load: () => ({ contents: `$frutiger-licensed: ${frutigerLicensed};`, syntax: "scss" }),
};

const css = sass.compile(join(root, "assets", "caremode.scss"), {
  loadPaths: [modules],
  importers: [fontSettings],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(out, "caremode", "caremode.css"), css.css);
console.log(
  `Assets built into ${out} (${frutigerLicensed ? "Frutiger from assets/fonts/" : "Frutiger where installed, Arial otherwise"})`,
);
