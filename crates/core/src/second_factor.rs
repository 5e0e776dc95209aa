//! The second factor after the password: a TOTP code (RFC 6238) from an authenticator app,
//! enrolled with a QR code drawn here (nothing leaves the server), or one of ten single-use
//! recovery codes. Until it is given, a session is good for nothing else; once it is, the
//! session gets a new secret, so a secret seen before the second factor is worth nothing.

use crate::staff::SignedIn;
use crate::{Actor, CoreError, CoreResult, Hotline};
use hotline_domain::AuditAction;
use hotline_domain::DomainError;
use hotline_store::StaffMember;
use rand::RngCore;
use rand::rngs::OsRng;
use std::net::IpAddr;
use totp_rs::{Algorithm, Builder, Totp};

/// What a session made by the password alone still needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecondFactorStep {
    /// A code from the member's authenticator app, or a recovery code.
    Code,
    /// The member has no second factor yet and must enrol one now.
    Enrol,
}

/// A member's session waiting for the second factor.
#[derive(Debug, Clone)]
pub struct PendingSignIn {
    pub member: StaffMember,
    pub step: SecondFactorStep,
}

/// A secret offered for enrolment: typed by hand or scanned.
#[derive(Clone)]
pub struct Enrolment {
    /// The secret in base32, in groups of four, for typing into the app.
    pub secret: String,
    /// The `otpauth://` address as a QR code, an SVG drawn here.
    pub qr_svg: String,
}

/// A completed enrolment: the session, and the recovery codes, shown this once.
pub struct Enrolled {
    pub signed_in: SignedIn,
    pub recovery_codes: Vec<String>,
}

/// How many recovery codes a member gets.
pub const RECOVERY_CODES: usize = 10;
/// The name authenticator apps show.
const ISSUER: &str = "Hotline";
/// Random bytes of a TOTP secret (RFC 4226 recommends 160 bits).
const SECRET_BYTES: usize = 20;
/// Wrong codes allowed per account before each further try must wait, doubling.
const FREE_FAILURES: u32 = 5;
/// Symbols of recovery codes: Crockford's base32, without letters people confuse.
const RECOVERY_SYMBOLS: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

fn sealing_context(member: &StaffMember) -> Vec<u8> {
    format!("totp-secret:{}", member.id.0).into_bytes()
}

fn totp(secret: Vec<u8>, member: &StaffMember) -> CoreResult<Totp> {
    Builder::new()
        .with_algorithm(Algorithm::SHA1)
        .with_secret(secret)
        .with_account_name(member.username.as_str())
        .with_issuer(Some(ISSUER))
        .build()
        .map_err(|e| CoreError::Internal(format!("TOTP: {e}")))
}

/// Ten symbols (50 random bits), shown as `XXXXX-XXXXX`.
fn new_recovery_code() -> String {
    let mut bytes = [0u8; 10];
    OsRng.fill_bytes(&mut bytes);
    let symbols: Vec<char> = bytes
        .iter()
        .filter_map(|b| RECOVERY_SYMBOLS.get(usize::from(b & 31)))
        .map(|&s| char::from(s))
        .collect();
    symbols
        .chunks(5)
        .map(String::from_iter)
        .collect::<Vec<_>>()
        .join("-")
}

/// A recovery code as typed, in the form its digest was taken of: capitals, no separators,
/// and the letters people mistake for digits read as those digits.
fn canonical_recovery_code(typed: &str) -> String {
    typed
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| match c.to_ascii_uppercase() {
            'I' | 'L' => '1',
            'O' => '0',
            c => c,
        })
        .collect()
}

/// Six digits (spaces allowed) read as a TOTP code; anything else is a recovery code.
fn as_totp_code(typed: &str) -> Option<String> {
    let digits: String = typed.chars().filter(|c| !c.is_whitespace()).collect();
    (digits.len() == 6 && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

impl Hotline {
    /// The member behind a session made by the password alone, and what they still need.
    /// `Unauthenticated` for any other session, or none.
    pub async fn pending_sign_in(&self, token: &str) -> CoreResult<PendingSignIn> {
        let live = self.live_session(token).await?;
        if !live.second_factor_pending {
            return Err(CoreError::Unauthenticated);
        }
        let enrolled = self
            .store
            .second_factor(live.member.id)
            .await?
            .totp_sealed
            .is_some();
        Ok(PendingSignIn {
            member: live.member,
            step: if enrolled {
                SecondFactorStep::Code
            } else {
                SecondFactorStep::Enrol
            },
        })
    }

    /// The secret offered to a member who has none yet: the one already offered (so that a
    /// reloaded page still matches the app that scanned it), or a new one, kept pending until
    /// a code confirms it.
    pub async fn begin_enrolment(&self, token: &str) -> CoreResult<Enrolment> {
        let pending = self.pending_sign_in(token).await?;
        if pending.step != SecondFactorStep::Enrol {
            return Err(CoreError::Forbidden);
        }
        let context = sealing_context(&pending.member);
        let offered = self
            .store
            .second_factor(pending.member.id)
            .await?
            .totp_pending_sealed
            .and_then(|sealed| self.keys.staff_secrets().open(&sealed, &context).ok());
        let secret = match offered {
            Some(secret) => secret,
            None => {
                let mut secret = vec![0u8; SECRET_BYTES];
                OsRng.fill_bytes(&mut secret);
                let sealed = self.keys.staff_secrets().seal(&secret, &context);
                self.store
                    .set_pending_totp(pending.member.id, &sealed)
                    .await?;
                secret
            }
        };
        let totp = totp(secret, &pending.member)?;
        let address = totp
            .to_url()
            .map_err(|e| CoreError::Internal(format!("TOTP address: {e}")))?;
        let qr_svg = qrcode::QrCode::new(address.as_bytes())
            .map_err(|e| CoreError::Internal(format!("QR code: {e}")))?
            .render::<qrcode::render::svg::Color<'_>>()
            .min_dimensions(200, 200)
            .build();
        let base32 = totp.secret().to_base32();
        let secret = base32
            .as_bytes()
            .chunks(4)
            .map(|group| String::from_utf8_lossy(group).into_owned())
            .collect::<Vec<_>>()
            .join(" ");
        Ok(Enrolment { secret, qr_svg })
    }

    /// Confirms the pending secret with a code from the app: the second factor is in use from
    /// now on, the session is complete, and the recovery codes are shown this once.
    pub async fn confirm_enrolment(
        &self,
        token: &str,
        code: &str,
        ip: IpAddr,
    ) -> CoreResult<Enrolled> {
        let pending = self.pending_sign_in(token).await?;
        if pending.step != SecondFactorStep::Enrol {
            return Err(CoreError::Forbidden);
        }
        let member = pending.member;
        self.count_second_factor_try(&member, ip).await?;
        let Some(sealed) = self
            .store
            .second_factor(member.id)
            .await?
            .totp_pending_sealed
        else {
            return Err(DomainError::field("code", "no_enrolment").into());
        };
        let secret = self.open_secret(&member, &sealed)?;
        let step = as_totp_code(code)
            .and_then(|code| totp(secret, &member).ok()?.check(&code, self.unix_now()));
        let Some(step) = step.and_then(|s| i64::try_from(s).ok()) else {
            self.audit(
                Some(member.id),
                AuditAction::StaffSecondFactorFailed,
                &member.username,
                "enrolment",
            )
            .await?;
            return Err(CoreError::Unauthenticated);
        };
        let recovery_codes: Vec<String> =
            (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
        let digests: Vec<String> = recovery_codes
            .iter()
            .map(|code| hotline_vault::token_digest(&canonical_recovery_code(code)))
            .collect();
        self.audited(
            Some(member.id),
            AuditAction::StaffSecondFactorEnrolled,
            &member.username,
            "",
            async |audit| {
                Ok(self
                    .store
                    .activate_totp(member.id, &sealed, step, &digests, audit)
                    .await?)
            },
        )
        .await?;
        self.second_factor_given(&member, ip).await?;
        let signed_in = self.complete_sign_in(token, member, "enrolment").await?;
        Ok(Enrolled {
            signed_in,
            recovery_codes,
        })
    }

    /// Checks the second factor of a session made by the password: a code from the app (each
    /// good once) or an unused recovery code. Failures look alike and back off per account.
    pub async fn verify_second_factor(
        &self,
        token: &str,
        code: &str,
        ip: IpAddr,
    ) -> CoreResult<SignedIn> {
        let pending = self.pending_sign_in(token).await?;
        if pending.step != SecondFactorStep::Code {
            return Err(CoreError::Forbidden);
        }
        let member = pending.member;
        self.count_second_factor_try(&member, ip).await?;
        let factor = self.store.second_factor(member.id).await?;
        let accepted = match (as_totp_code(code), factor.totp_sealed) {
            (Some(code), Some(sealed)) => {
                let secret = self.open_secret(&member, &sealed)?;
                match totp(secret, &member)?
                    .check(&code, self.unix_now())
                    .and_then(|s| i64::try_from(s).ok())
                {
                    Some(step) => self
                        .store
                        .take_totp_step(member.id, step)
                        .await?
                        .then_some("totp"),
                    None => None,
                }
            }
            _ => {
                let digest = hotline_vault::token_digest(&canonical_recovery_code(code));
                self.store
                    .take_recovery_code(member.id, &digest, self.clock.now())
                    .await?
                    .then_some("recovery_code")
            }
        };
        let Some(by) = accepted else {
            self.audit(
                Some(member.id),
                AuditAction::StaffSecondFactorFailed,
                &member.username,
                "",
            )
            .await?;
            return Err(CoreError::Unauthenticated);
        };
        self.second_factor_given(&member, ip).await?;
        self.complete_sign_in(token, member, by).await
    }

    /// Forgets a member's second factor and ends their sessions; they enrol again at their
    /// next sign-in. For an administrator (`hotline user reset-second-factor`); audited.
    pub async fn reset_second_factor(&self, username: &str) -> CoreResult<()> {
        let login = self
            .store
            .staff_by_username(&username.trim().to_lowercase())
            .await?;
        self.audited(
            None,
            AuditAction::StaffSecondFactorReset,
            &login.member.username,
            "",
            async |audit| {
                Ok(self
                    .store
                    .reset_second_factor(login.member.id, audit)
                    .await?)
            },
        )
        .await
    }

    /// Ends every session of the member, this one included.
    pub async fn sign_out_everywhere(&self, actor: &Actor) -> CoreResult<()> {
        self.audited(
            Some(actor.0.id),
            AuditAction::StaffSignedOutEverywhere,
            &actor.0.username,
            "",
            async |audit| Ok(self.store.delete_sessions_of(actor.0.id, audit).await?),
        )
        .await
    }

    /// Replaces the session made by the password with a complete one under a new secret.
    async fn complete_sign_in(
        &self,
        token: &str,
        member: StaffMember,
        by: &str,
    ) -> CoreResult<SignedIn> {
        self.store
            .delete_session(&hotline_vault::token_digest(token))
            .await?;
        let (token, expires_at) = self
            .new_session(&member, crate::staff::SessionOpenedBy::SecondFactor)
            .await?;
        self.audit(
            Some(member.id),
            AuditAction::StaffSignedIn,
            &member.username,
            &format!("second_factor={by}"),
        )
        .await?;
        Ok(SignedIn {
            token,
            member,
            expires_at,
            second_factor: None,
        })
    }

    fn open_secret(&self, member: &StaffMember, sealed: &[u8]) -> CoreResult<Vec<u8>> {
        self.keys
            .staff_secrets()
            .open(sealed, &sealing_context(member))
            .map_err(|_| CoreError::Internal("a sealed TOTP secret does not open".into()))
    }

    async fn count_second_factor_try(&self, member: &StaffMember, ip: IpAddr) -> CoreResult<()> {
        let ip_key = format!("2fa-ip:{}", hotline_domain::client::client_of(ip));
        self.count_attempt(&[
            (&ip_key, FREE_FAILURES * 4),
            (&crate::staff::second_factor_key(member.id), FREE_FAILURES),
        ])
        .await
    }

    async fn second_factor_given(&self, member: &StaffMember, ip: IpAddr) -> CoreResult<()> {
        self.forget_attempts(&[&crate::staff::second_factor_key(member.id)])
            .await?;
        self.attempt_succeeded(&format!("2fa-ip:{}", hotline_domain::client::client_of(ip)))
            .await
    }

    fn unix_now(&self) -> u64 {
        u64::try_from(self.clock.now().timestamp()).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recovery_codes_are_read_as_people_type_them() {
        let code = new_recovery_code();
        assert_eq!(code.len(), 11);
        assert_eq!(code.as_bytes()[5], b'-');
        assert_eq!(
            canonical_recovery_code(&code.to_lowercase().replace('-', " ")),
            code.replace('-', "")
        );
        assert_eq!(canonical_recovery_code("ab1io-l0xyz"), "AB11010XYZ");
    }

    #[test]
    fn six_digits_are_an_app_code_and_the_rest_a_recovery_code() {
        assert_eq!(as_totp_code("123 456").as_deref(), Some("123456"));
        assert_eq!(as_totp_code("12345"), None);
        assert_eq!(as_totp_code("ABCDE-12345"), None);
    }
}
