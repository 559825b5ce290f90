//! Request bodies: any bytes parsed as the dispatcher does and validated against any route's
//! parameters give a value or a Seam error envelope, never a panic; an error always renders.
#![no_main]

use ajar_server::api::{parse_json, spec::ROUTES, validate};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&pick, rest)) = data.split_first() else {
        return;
    };
    let route = &ROUTES[pick as usize % ROUTES.len()];
    match parse_json(rest) {
        Ok(v) => {
            if let Err(e) = validate::validate(&v, route.params) {
                let _ = e.to_string();
            }
        }
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
