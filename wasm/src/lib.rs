//! Browser bindings (see the wasm issue).
