// Start the NHS.UK frontend components (header menu, error summary focus, radios, tables...).
import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

initAll();
