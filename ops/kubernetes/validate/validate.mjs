// Validates rendered Kubernetes objects (a multi-document YAML file, e.g. the output of
// `kubectl kustomize`) against the Kubernetes OpenAPI schema, offline: the kubernetes-models
// package carries the schema of each kind compiled into a validator.
//
//   node validate.mjs rendered.yaml
//
// Strict: the schema alone accepts fields it does not know (a misspelt `readinesProbe` would
// pass and be dropped by the API server), so every field of every object must also have been
// looked at by the validator, which reads exactly the fields its schema defines.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const file = process.argv[2];
if (!file) {
  console.error("usage: node validate.mjs <rendered.yaml>");
  process.exit(2);
}

// Watches which fields of an object tree a validator reads.
function watched(value, path, seen) {
  if (value === null || typeof value !== "object") {
    return value;
  }
  return new Proxy(value, {
    get(target, property, receiver) {
      if (typeof property === "string" && Object.prototype.hasOwnProperty.call(target, property)) {
        seen.add(`${path}/${property}`);
        return watched(target[property], `${path}/${property}`, seen);
      }
      return Reflect.get(target, property, receiver);
    },
  });
}

function unread(value, path, seen, out) {
  if (value === null || typeof value !== "object") {
    return out;
  }
  for (const key of Object.keys(value)) {
    const child = `${path}/${key}`;
    if (!seen.has(child)) {
      out.push(child);
    } else {
      unread(value[key], child, seen, out);
    }
  }
  return out;
}

async function modelOf(apiVersion, kind) {
  const module = await import(`kubernetes-models/${apiVersion}/${kind}`).catch(() => null);
  return module?.[kind];
}

const documents = parseAllDocuments(readFileSync(file, "utf8"));
let failures = 0;
let objects = 0;
for (const document of documents) {
  if (document.errors.length) {
    console.error(`YAML: ${document.errors.map((e) => e.message).join("; ")}`);
    failures++;
    continue;
  }
  const object = document.toJS();
  if (!object) {
    continue;
  }
  objects++;
  const name = `${object.kind ?? "?"} ${object.metadata?.name ?? "?"}`;
  const Model = await modelOf(object.apiVersion, object.kind);
  if (!Model) {
    console.error(`${name}: no schema for apiVersion ${object.apiVersion} kind ${object.kind}`);
    failures++;
    continue;
  }
  const seen = new Set();
  const model = new Model(object);
  try {
    // the validator takes the object as `this`: hand it a watched one
    model.validate.call(watched(model, "", seen));
  } catch (error) {
    console.error(`${name}: ${error.message}`);
    failures++;
    continue;
  }
  const unknown = unread(model, "", seen, []);
  if (unknown.length) {
    console.error(`${name}: fields the schema does not define: ${unknown.join(", ")}`);
    failures++;
    continue;
  }
  console.log(`valid  ${object.apiVersion} ${name}`);
}
if (objects === 0) {
  console.error("no objects");
  failures++;
}
process.exit(failures ? 1 : 0);
