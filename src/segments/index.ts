export { assertSegmentExists, segmentMemberIds, segmentRestriction } from "./restriction";
