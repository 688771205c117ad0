// cbor-x treats a falsy module as "no native extractor" and decodes in JavaScript.
module.exports = undefined;
