// Validates recorded glmock traffic against openapi.yaml with the npm packages
// openapi-request-coercer + openapi-request-validator (as express-openapi chains them) and
// openapi-response-validator, independent of the Go libraries.
// Usage: node npmvalidate.js <node_modules> <openapi.yaml> <traffic.json>; prints one JSON
// result per exchange: {"i": n, "request": [errors], "response": [errors]}.
'use strict';
const path = require('path');
const fs = require('fs');
const [modules, specFile, trafficFile] = process.argv.slice(2);
const load = (name) => require(path.join(modules, name));
const yaml = load('js-yaml');
const RequestCoercer = load('openapi-request-coercer').default;
const RequestValidator = load('openapi-request-validator').default;
const ResponseValidator = load('openapi-response-validator').default;

const spec = yaml.load(fs.readFileSync(specFile, 'utf8'));
const traffic = JSON.parse(fs.readFileSync(trafficFile, 'utf8'));

// deref resolves a local $ref (#/components/...) one level, as these validators expect
// parameters and responses inline.
function deref(obj) {
  if (!obj || !obj.$ref) return obj;
  return obj.$ref.split('/').slice(1).reduce((o, k) => o[k], spec);
}

const operations = {};
for (const [, item] of Object.entries(spec.paths)) {
  for (const method of ['get', 'put', 'post', 'delete', 'patch']) {
    const op = item[method];
    if (!op) continue;
    operations[op.operationId] = {
      parameters: [...(item.parameters || []), ...(op.parameters || [])].map(deref),
      requestBody: deref(op.requestBody),
      responses: op.responses,
    };
  }
}

const responseValidators = {};
function responseErrors(opId, status, contentType, body) {
  const op = operations[opId];
  const response = deref(op.responses[String(status)]);
  if (!response) return [`status ${status} is not documented`];
  let media = null;
  if (response.content) {
    const type = (contentType || '').split(';')[0].trim();
    if (!(type in response.content)) return [`${status}: content type ${contentType} is not documented`];
    media = type;
  } else if (body !== null && body !== '') {
    return [`${status}: a body where none is documented`];
  }
  const key = `${opId} ${status} ${media}`;
  if (!responseValidators[key]) {
    // One media type at a time: the package reads only the first one of a response.
    const only = media ? { ...response, content: { [media]: response.content[media] } } : response;
    responseValidators[key] = new ResponseValidator({ responses: { [status]: only }, components: spec.components });
  }
  const result = responseValidators[key].validateResponse(status, body);
  return result ? result.errors.map((e) => `${e.path}: ${e.message}`) : [];
}

const requestValidators = {};
function requestErrors(opId, req) {
  if (!requestValidators[opId]) {
    const op = operations[opId];
    requestValidators[opId] = {
      coercer: new RequestCoercer({ parameters: op.parameters }),
      validator: new RequestValidator({
        parameters: op.parameters, requestBody: op.requestBody, componentSchemas: spec.components.schemas,
      }),
    };
  }
  const { coercer, validator } = requestValidators[opId];
  coercer.coerce(req); // path, query and header strings to the parameters' types
  const result = validator.validateRequest(req);
  return result ? result.errors.map((e) => `${e.location} ${e.path}: ${e.message}`) : [];
}

traffic.forEach((x, i) => {
  const out = { i, request: [], response: [] };
  if (x.checkRequest) {
    out.request = requestErrors(x.operation, { params: x.pathParams, query: x.query, headers: x.requestHeaders, body: x.requestBody });
  }
  out.response = responseErrors(x.operation, x.status, x.responseContentType, x.responseBody);
  console.log(JSON.stringify(out));
});
