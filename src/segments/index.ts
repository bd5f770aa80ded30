export { assertSegmentExists, assertSegmentReference } from "./restriction";
