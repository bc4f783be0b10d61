//! Structured VCF header values, `<ID=…,key=value,…>`, as the AGs' `##genosynth…` lines
//! write them; read back by the report's provenance.

/// The `ID=…,key=value,…` inside a structured header value's `<…>`.
pub(crate) fn inner(value: &str) -> Option<&str> {
    value.strip_prefix('<')?.strip_suffix('>')
}

/// The value of `name` among `inner`'s comma-separated `key=value` fields.
pub(crate) fn field<'a>(inner: &'a str, name: &str) -> Option<&'a str> {
    inner
        .split(',')
        .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('='))
}
