//! Sign-in codes: what an admin or front desk hands a user as text or QR. Either the bare
//! client-session token, or `ajar:signin?server=<url>&token=<token>` carrying the server too.

use crate::error::{CoreError, Result};

/// A parsed sign-in code.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInCode {
    pub server: Option<String>,
    pub token: String,
}

/// Builds the code (and QR content) for a user's session.
pub fn make_code(server: &str, token: &str) -> String {
    let q = form_urlencoded::Serializer::new(String::new())
        .append_pair("server", server)
        .append_pair("token", token)
        .finish();
    format!("ajar:signin?{q}")
}

/// Reads a code typed, pasted or scanned by the user.
pub fn parse_code(input: &str) -> Result<SignInCode> {
    let input = input.trim();
    if let Some(q) = input.strip_prefix("ajar:signin?") {
        let mut server = None;
        let mut token = None;
        for (k, v) in form_urlencoded::parse(q.as_bytes()) {
            match k.as_ref() {
                "server" => server = Some(v.into_owned()),
                "token" => token = Some(v.into_owned()),
                _ => {}
            }
        }
        let token =
            token.ok_or_else(|| CoreError::InvalidInput("the sign-in code has no token".into()))?;
        return Ok(SignInCode {
            server,
            token: check_token(&token)?,
        });
    }
    Ok(SignInCode {
        server: None,
        token: check_token(input)?,
    })
}

fn check_token(t: &str) -> Result<String> {
    if t.starts_with("seam_") && t.len() >= 16 && t.bytes().all(|b| b.is_ascii_graphic()) {
        Ok(t.to_owned())
    } else {
        Err(CoreError::InvalidInput(
            "that is not an Ajar token or sign-in code (tokens start with seam_)".into(),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip_and_bare_tokens_work() {
        let c = make_code("http://127.0.0.1:8080", "seam_cst1_abcdefghijklmnop");
        assert_eq!(
            parse_code(&c).expect("code"),
            SignInCode {
                server: Some("http://127.0.0.1:8080".into()),
                token: "seam_cst1_abcdefghijklmnop".into()
            }
        );
        assert_eq!(
            parse_code(" seam_ak1_abcdefghijklmnop ")
                .expect("bare")
                .server,
            None
        );
        assert!(parse_code("hello").is_err());
        assert!(parse_code("ajar:signin?server=x").is_err());
    }
}
