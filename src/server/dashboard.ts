import { createHash } from "node:crypto";
import path from "node:path";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";
import express from "express";
import { isLoopback } from "./demo";

/** One built file of the dashboard, with its gzip form and a content hash for caching. */
export interface DashboardAsset {
  contentType: string;
  body: Buffer;
  gzip: Buffer;
  etag: string;
}

export interface DashboardBundle {
  "app.js": DashboardAsset;
  "app.css": DashboardAsset;
}

const ENTRY = path.join(__dirname, "..", "app", "main.ts");

const asset = (contentType: string, body: Uint8Array): DashboardAsset => {
  const buffer = Buffer.from(body);
  return {
    contentType,
    body: buffer,
    gzip: gzipSync(buffer, { level: 9 }),
    etag: `"${createHash("sha256").update(buffer).digest("base64url").slice(0, 22)}"`,
  };
};

/**
 * Bundles src/app (with ECharts and the typed client) in memory with esbuild, once per process:
 * a fresh clone needs no build step, and no built file on disk can be older than the sources.
 */
async function buildDashboard(): Promise<DashboardBundle> {
  const result = await build({
    entryPoints: { app: ENTRY },
    bundle: true,
    write: false,
    minify: true,
    format: "iife",
    platform: "browser",
    target: ["es2020"],
    outdir: "/app",
    legalComments: "none",
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "silent",
  });
  const file = (extension: string) => {
    const output = result.outputFiles.find((out) => out.path.endsWith(extension));
    if (!output) throw new Error(`dashboard build produced no ${extension}`);
    return output.contents;
  };
  return {
    "app.js": asset("text/javascript; charset=utf-8", file(".js")),
    "app.css": asset("text/css; charset=utf-8", file(".css")),
  };
}

let bundle: Promise<DashboardBundle> | undefined;

/** The dashboard's bundle; the first call builds it (about a second), later calls share it. */
export function dashboardBundle(): Promise<DashboardBundle> {
  bundle ??= buildDashboard().catch((error: unknown) => {
    bundle = undefined;
    throw error;
  });
  return bundle;
}

/**
 * The page holds no data and no secret, except in the embedded demo: there, and for a
 * browser on this machine only, it carries the demo admin key (the IDE's rule, src/server/demo.ts).
 */
function pageHtml(demoKey: string | undefined): string {
  const meta = demoKey ? `\n<meta name="stratum-demo-key" content="${demoKey.replace(/[^\w-]/g, "")}">` : "";
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">${meta}
<title>Stratum dashboard</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/app/app.css">
</head>
<body>
<div id="app"></div>
<script src="/app/app.js"></script>
</body>
</html>
`;
}

/**
 * Only this server's own files and its /graphql: no CDN, no inline script. ECharts sets inline
 * styles on its tooltip, hence 'unsafe-inline' for styles alone.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join("; ");

/** `/app`: the dashboard page and its two bundled files. */
export function dashboardRoutes(demoKey: string | undefined): express.Router {
  const router = express.Router();
  router.use((_req, res, next) => {
    res.locals.route = "/app";
    res.setHeader("content-security-policy", CONTENT_SECURITY_POLICY);
    res.setHeader("x-content-type-options", "nosniff");
    next();
  });
  router.get("/", (req, res) => {
    res.setHeader("cache-control", "no-store");
    res.type("html").send(pageHtml(demoKey && isLoopback(req.socket.remoteAddress) ? demoKey : undefined));
  });
  router.get(/^\/(app\.js|app\.css)$/, async (req, res, next) => {
    try {
      const file = (await dashboardBundle())[req.path.slice(1) as keyof DashboardBundle];
      res.setHeader("content-type", file.contentType);
      res.setHeader("etag", file.etag);
      res.setHeader("cache-control", "no-cache");
      res.setHeader("vary", "accept-encoding");
      if (req.headers["if-none-match"] === file.etag) return void res.status(304).end();
      if (req.acceptsEncodings("gzip") === "gzip") {
        res.setHeader("content-encoding", "gzip");
        return void res.send(file.gzip);
      }
      res.send(file.body);
    } catch (error) {
      next(error);
    }
  });
  return router;
}
