export { assertSegmentExists } from "./restriction";
