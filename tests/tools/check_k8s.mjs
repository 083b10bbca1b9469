// Checks Kubernetes manifests offline against the API's own OpenAPI schemas (the validators that
// kubernetes-models compiles from them): types, enums and required fields, and, as a server's
// strict field validation would, fields the schema does not know. A validator reads exactly the
// properties its schema defines, so every object is wrapped in a Proxy that records reads: a
// key no validator read is unknown to the API.
//
//   node check_k8s.mjs NPM_DIR FILE.yaml...          one line per document; exit 1 on errors
//   node check_k8s.mjs --dump NPM_DIR FILE.yaml...   the documents as one JSON array
import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";

const argv = process.argv.slice(2);
const dump = argv[0] === "--dump";
const [npmDir, ...files] = dump ? argv.slice(1) : argv;
const mod = (p) => import(pathToFileURL(`${npmDir}/node_modules/${p}`).href);
const YAML = await mod("yaml/dist/index.js");

// apiVersion/kind -> the schema module of that type.
function schemaModule(apiVersion, kind) {
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["core", apiVersion];
    const g = group.replace(/\.k8s\.io$/, "").split(".").map((s) => s[0].toUpperCase() + s.slice(1)).join("");
    const v = version[0].toUpperCase() + version.slice(1);
    return `kubernetes-models/_schemas/IoK8sApi${g}${v}${kind}.js`;
}

function watch(value, path, reads, objects) {
    if (value === null || typeof value !== "object") return value;
    objects.push([value, path]);
    reads.set(value, new Set());
    const inner = Array.isArray(value)
        ? value.map((v, i) => watch(v, `${path}[${i}]`, reads, objects))
        : Object.fromEntries(Object.entries(value).map(([k, v]) => [k, watch(v, `${path}.${k}`, reads, objects)]));
    return new Proxy(inner, {
        get(target, key, receiver) {
            if (typeof key === "string") reads.get(value).add(key);
            return Reflect.get(target, key, receiver);
        },
    });
}

if (dump) {
    const all = files.flatMap((f) => YAML.parseAllDocuments(readFileSync(f, "utf8")).map((d) => d.toJS()).filter(Boolean));
    console.log(JSON.stringify(all));
    process.exit(0);
}

let failures = 0;
for (const file of files) {
    const docs = YAML.parseAllDocuments(readFileSync(file, "utf8"));
    for (const doc of docs) {
        if (doc.errors.length) {
            console.log(`${file}: YAML error: ${doc.errors[0].message}`);
            failures++;
            continue;
        }
        const data = doc.toJS();
        if (!data) continue;
        const where = `${file}: ${data.kind ?? "?"} ${data.metadata?.name ?? "?"}`;
        let validate;
        try {
            ({ validate } = await mod(schemaModule(String(data.apiVersion), String(data.kind))));
        } catch {
            console.log(`${where}: unknown apiVersion/kind ${data.apiVersion}/${data.kind}`);
            failures++;
            continue;
        }
        const reads = new Map(), objects = [];
        const ok = validate(watch(data, "", reads, objects));
        const errors = (validate.errors ?? []).map((e) => `${e.instancePath || "/"}: ${e.keyword} ${JSON.stringify(e.params)}`);
        for (const [obj, path] of objects)
            if (!Array.isArray(obj))
                for (const key of Object.keys(obj)) if (!reads.get(obj).has(key)) errors.push(`${path}.${key}: unknown field`);
        if (ok && errors.length === 0) console.log(`${where}: valid`);
        else {
            console.log(`${where}: ${errors.join("; ")}`);
            failures++;
        }
    }
}
process.exit(failures ? 1 : 0);
