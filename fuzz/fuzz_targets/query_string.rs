//! The schema-aware query-string parser (GET/DELETE): any bytes, against any route's
//! parameters, give a JSON object or a Seam error, never a panic; what it accepts then goes
//! through validation like a real request.
#![no_main]

use ajar_server::api::{query, spec::ROUTES, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let route = &ROUTES[pick as usize % ROUTES.len()];
    let raw = String::from_utf8_lossy(rest);
    if let Ok(v) = query::parse(&raw, route.params) {
        assert!(v.is_object(), "query parser returned a non-object: {v}");
        let _ = validate::validate(&v, route.params);
    }
});
