// The softphone's one vendored library: JsSIP, as the global `JsSIP` (the page's own
// scripts are plain files and use it from there; no CDN, works offline).
import * as JsSIP from "jssip";

globalThis.JsSIP = JsSIP;
