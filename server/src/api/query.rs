//! Schema-aware query-string parsing for GET and DELETE requests, compatible with Seam's
//! url-search-params serializer: repeated keys (`ids=a&ids=b`), `ids[]=a`, comma lists for id
//! arrays, `ids=` for an empty array, a single value for a one-element array, `true`/`false`,
//! numbers, `a.b=v` for nested objects, an empty value as null for nullable strings, and
//! `_strict=true` accepted and ignored. Unknown parameters pass through as strings.

use serde_json::{Map, Number, Value};

use super::spec::{Ty, P};
use crate::error::ApiError;

/// One value of a key, with its nested sub-key (`a.b=v` → `(Some("b"), "v")`).
type Pair = (Option<String>, String);

/// Parses a raw query string into a JSON object shaped by `params`.
pub fn parse(raw: &str, params: &[P]) -> Result<Value, ApiError> {
    // Group values by top-level key, keeping nested sub-keys.
    let mut groups: Vec<(String, Vec<Pair>)> = Vec::new();
    for (k, v) in form_urlencoded::parse(raw.as_bytes()) {
        let k = k.into_owned();
        if k == "_strict" || k.is_empty() {
            continue;
        }
        let k = k.strip_suffix("[]").map(str::to_owned).unwrap_or(k);
        let (top, sub) = match k.split_once('.') {
            Some((t, s)) => (t.to_owned(), Some(s.to_owned())),
            None => (k, None),
        };
        match groups.iter_mut().find(|(t, _)| *t == top) {
            Some((_, vs)) => vs.push((sub, v.into_owned())),
            None => groups.push((top, vec![(sub, v.into_owned())])),
        }
    }
    let mut out = Map::new();
    for (key, values) in groups {
        let value = match params.iter().find(|p| p.name == key) {
            Some(p) => convert(p, &key, &values)?,
            None if values.len() == 1 => Value::String(values[0].1.clone()),
            None => Value::Array(values.into_iter().map(|(_, v)| Value::String(v)).collect()),
        };
        out.insert(key, value);
    }
    Ok(Value::Object(out))
}

fn convert(p: &P, key: &str, values: &[Pair]) -> Result<Value, ApiError> {
    match p.ty {
        Ty::Arr(inner) => {
            if values.len() == 1 && values[0].1.is_empty() {
                return Ok(Value::Array(vec![]));
            }
            let mut items = Vec::new();
            for (_, v) in values {
                if matches!(inner, Ty::Uuid) && v.contains(',') {
                    items.extend(
                        v.split(',')
                            .filter(|s| !s.is_empty())
                            .map(|s| scalar(inner, s, false)),
                    );
                } else {
                    items.push(scalar(inner, v, false));
                }
            }
            Ok(Value::Array(items))
        }
        Ty::Obj(fields) => {
            let mut obj = Map::new();
            for (sub, v) in values {
                let Some(sub) = sub else {
                    return Err(ApiError::invalid_field(
                        key,
                        "Expected an object (use key.field=value)",
                    ));
                };
                let field = fields.iter().find(|f| f.name == sub);
                let val = match field {
                    Some(f) => convert(f, sub, &[(None, v.clone())])?,
                    None => Value::String(v.clone()),
                };
                obj.insert(sub.clone(), val);
            }
            Ok(Value::Object(obj))
        }
        ty => {
            if values.len() > 1 {
                return Err(ApiError::invalid_field(
                    key,
                    "Expected a single value, received several",
                ));
            }
            Ok(scalar(&ty, &values[0].1, p.nullable))
        }
    }
}

fn scalar(ty: &Ty, v: &str, nullable: bool) -> Value {
    if v.is_empty() && nullable {
        return Value::Null;
    }
    match ty {
        Ty::Bool => match v {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => Value::String(v.to_owned()),
        },
        Ty::Int | Ty::Num => v
            .parse::<f64>()
            .ok()
            .and_then(Number::from_f64)
            .map(|n| {
                // Keep integers integral so typed parsing accepts them.
                match n.as_f64() {
                    Some(f) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
                        Value::Number(Number::from(f as i64))
                    }
                    _ => Value::Number(n),
                }
            })
            .unwrap_or_else(|| Value::String(v.to_owned())),
        _ => Value::String(v.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const PARAMS: &[P] = &[
        P {
            name: "ids",
            ty: Ty::Arr(&Ty::Uuid),
            required: false,
            nullable: false,
        },
        P {
            name: "tags",
            ty: Ty::Arr(&Ty::Str),
            required: false,
            nullable: false,
        },
        P {
            name: "name",
            ty: Ty::Str,
            required: false,
            nullable: true,
        },
        P {
            name: "flag",
            ty: Ty::Bool,
            required: false,
            nullable: false,
        },
        P {
            name: "limit",
            ty: Ty::Num,
            required: false,
            nullable: false,
        },
        P {
            name: "loc",
            ty: Ty::Obj(&[P {
                name: "n",
                ty: Ty::Int,
                required: false,
                nullable: false,
            }]),
            required: false,
            nullable: false,
        },
    ];

    #[test]
    fn seam_serializer_shapes_parse() {
        let a = "11111111-1111-4111-8111-111111111111";
        let b = "22222222-2222-4222-8222-222222222222";
        assert_eq!(
            parse(&format!("ids={a}&_strict=true"), PARAMS).expect("one"),
            json!({"ids": [a]})
        );
        assert_eq!(
            parse(&format!("ids={a}&ids={b}"), PARAMS).expect("two"),
            json!({"ids": [a, b]})
        );
        assert_eq!(
            parse(&format!("ids[]={a}&ids[]={b}"), PARAMS).expect("brackets"),
            json!({"ids": [a, b]})
        );
        assert_eq!(
            parse(&format!("ids={a},{b}"), PARAMS).expect("comma"),
            json!({"ids": [a, b]})
        );
        assert_eq!(parse("ids=", PARAMS).expect("empty"), json!({"ids": []}));
        assert_eq!(
            parse("tags=a,b", PARAMS).expect("str commas kept"),
            json!({"tags": ["a,b"]})
        );
        assert_eq!(parse("name=", PARAMS).expect("null"), json!({"name": null}));
        assert_eq!(
            parse("flag=true&limit=10&name=J%C3%BCrgen+K", PARAMS).expect("scalars"),
            json!({"flag": true, "limit": 10, "name": "Jürgen K"})
        );
        assert_eq!(
            parse("loc.n=3", PARAMS).expect("nested"),
            json!({"loc": {"n": 3}})
        );
        assert_eq!(
            parse("other=x", PARAMS).expect("unknown"),
            json!({"other": "x"})
        );
    }

    #[test]
    fn repeated_scalar_is_an_error() {
        assert!(parse("name=a&name=b", PARAMS).is_err());
        assert!(parse("loc=3", PARAMS).is_err());
    }

    #[test]
    fn bad_scalars_stay_strings_for_the_validator() {
        assert_eq!(
            parse("flag=yes&limit=ten", PARAMS).expect("strings"),
            json!({"flag": "yes", "limit": "ten"})
        );
    }
}
