//! Real mail servers on loopback for the e-mail tests: Debian's Dovecot (IMAP over TLS with a
//! certificate made for the run) and a Python aiosmtpd sink that keeps each mail it is given.
//! Without them the tests are skipped, unless `HOTLINE_TEST_REQUIRE_MAIL` is set (CI).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

pub const USER: &str = "tiepnhan";
pub const PASSWORD: &str = "mat-khau-hop-thu-demo";

fn required() -> bool {
    std::env::var_os("HOTLINE_TEST_REQUIRE_MAIL").is_some()
}

fn unavailable(what: &str) -> Option<Dovecot> {
    assert!(!required(), "{what}, and HOTLINE_TEST_REQUIRE_MAIL is set");
    eprintln!("skipped: {what}");
    None
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The uid and gid of a system user, from `/etc/passwd`.
fn ids_of(user: &str) -> Option<(u32, u32)> {
    let passwd = std::fs::read_to_string("/etc/passwd").ok()?;
    passwd.lines().find_map(|line| {
        let fields: Vec<&str> = line.split(':').collect();
        (fields.first() == Some(&user))
            .then(|| Some((fields.get(2)?.parse().ok()?, fields.get(3)?.parse().ok()?)))?
    })
}

async fn wait_for_port(port: u16) {
    for _ in 0..250 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("nothing listens on {port}");
}

/// A Dovecot of its own, one mailbox (`USER`), IMAP over TLS only.
pub struct Dovecot {
    dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
    pub ca_pem: String,
}

impl Dovecot {
    pub async fn start() -> Option<Self> {
        if !Path::new("/usr/sbin/dovecot").exists() {
            return unavailable("Dovecot is not installed (apt-get install -y dovecot-imapd)");
        }
        // Dovecot's master runs as root and hands mail to its own user.
        let Some((uid, gid)) = ids_of("dovecot") else {
            return unavailable("no dovecot user");
        };
        if !Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|o| o.stdout.starts_with(b"0\n"))
        {
            return unavailable("Dovecot's test server needs root");
        }
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path();
        std::fs::set_permissions(base, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        // A certificate authority of the run, and the server's certificate signed by it.
        std::fs::write(
            base.join("leaf.ext"),
            "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n\
             extendedKeyUsage=serverAuth\n",
        )
        .unwrap();
        for args in [
            "req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=Hotline-test-CA \
             -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign \
             -keyout ca.key -out ca.pem",
            "req -newkey rsa:2048 -nodes -subj /CN=localhost -keyout key.pem -out leaf.csr",
            "x509 -req -in leaf.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 \
             -extfile leaf.ext -out cert.pem",
        ] {
            let made = Command::new("openssl")
                .args(args.split_whitespace())
                .current_dir(base)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .unwrap();
            assert!(made.success(), "openssl {args}");
        }
        std::fs::write(base.join("passwd"), format!("{USER}:{{PLAIN}}{PASSWORD}\n")).unwrap();
        let home = base.join("home");
        std::fs::create_dir(&home).unwrap();
        std::os::unix::fs::chown(&home, Some(uid), Some(gid)).unwrap();
        let port = free_port();
        let base_s = base.display();
        let conf = format!(
            "base_dir = {base_s}/run\nstate_dir = {base_s}/state\nlog_path = {base_s}/dovecot.log\n\
             protocols = imap\nlisten = 127.0.0.1\nssl = required\n\
             ssl_cert = <{base_s}/cert.pem\nssl_key = <{base_s}/key.pem\n\
             auth_mechanisms = plain login\ndefault_internal_user = dovecot\n\
             default_login_user = dovenull\nfirst_valid_uid = 1\n\
             mail_location = maildir:{base_s}/home/%u/Maildir\n\
             service imap-login {{\n  inet_listener imap {{\n    port = 0\n  }}\n  \
             inet_listener imaps {{\n    port = {port}\n    ssl = yes\n  }}\n}}\n\
             passdb {{\n  driver = passwd-file\n  args = scheme=PLAIN username_format=%u {base_s}/passwd\n}}\n\
             userdb {{\n  driver = static\n  args = uid={uid} gid={gid} home={base_s}/home/%u\n}}\n"
        );
        std::fs::write(base.join("dovecot.conf"), conf).unwrap();
        let child = Command::new("/usr/sbin/dovecot")
            .arg("-F")
            .arg("-c")
            .arg(base.join("dovecot.conf"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        wait_for_port(port).await;
        let ca_pem = std::fs::read_to_string(base.join("ca.pem")).unwrap();
        Some(Self {
            dir,
            child,
            port,
            ca_pem,
        })
    }

    /// How many times a client has signed in, by Dovecot's log.
    pub fn logins(&self) -> usize {
        std::fs::read_to_string(self.dir.path().join("dovecot.log"))
            .unwrap_or_default()
            .matches("imap-login: Info: Login: user=")
            .count()
    }

    /// The account's IMAP settings.
    pub fn settings(&self) -> Vec<(String, String)> {
        [
            ("imap_host", "127.0.0.1".to_owned()),
            ("imap_port", self.port.to_string()),
            ("imap_user", USER.to_owned()),
            ("imap_password", PASSWORD.to_owned()),
            ("imap_ca_pem", self.ca_pem.clone()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The mailbox, opened as the account would.
    pub async fn open(&self) -> hotline_channels::imap::Mailbox {
        let secrets = self.settings().into_iter().collect();
        let settings = hotline_channels::imap::MailboxSettings::from_secrets(&secrets).unwrap();
        hotline_channels::imap::Mailbox::open(&settings)
            .await
            .unwrap()
    }
}

impl Drop for Dovecot {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const SINK: &str = r#"
import os, signal, sys
from aiosmtpd.controller import Controller

out = sys.argv[1]

class Keep:
    async def handle_DATA(self, server, session, envelope):
        n = len([f for f in os.listdir(out) if f.endswith(".eml")])
        part = os.path.join(out, "%04d.part" % n)
        with open(part, "wb") as f:
            f.write(envelope.original_content or envelope.content)
        os.rename(part, os.path.join(out, "%04d.eml" % n))
        return "250 OK"

controller = Controller(Keep(), hostname="127.0.0.1", port=int(sys.argv[2]))
controller.start()
print("ready", flush=True)
signal.sigwait([signal.SIGTERM, signal.SIGINT])
controller.stop()
"#;

/// An SMTP server that keeps every mail it is given, as a file, in order.
pub struct SmtpSink {
    dir: tempfile::TempDir,
    child: Child,
    pub port: u16,
}

impl SmtpSink {
    pub async fn start() -> Option<Self> {
        let has_aiosmtpd = Command::new("python3")
            .args(["-c", "import aiosmtpd"])
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !has_aiosmtpd {
            assert!(
                !required(),
                "aiosmtpd is not installed, and HOTLINE_TEST_REQUIRE_MAIL is set"
            );
            eprintln!("skipped: aiosmtpd is not installed (pip install aiosmtpd)");
            return None;
        }
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let mut child = Command::new("python3")
            .arg("-c")
            .arg(SINK)
            .arg(dir.path())
            .arg(port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut ready = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        assert_eq!(ready.trim(), "ready");
        wait_for_port(port).await;
        Some(Self { dir, child, port })
    }

    /// The account's SMTP settings, sending as `address`.
    pub fn settings(&self, address: &str) -> Vec<(String, String)> {
        [
            ("smtp_host", "127.0.0.1".to_owned()),
            ("smtp_port", self.port.to_string()),
            ("smtp_security", "plain".to_owned()),
            ("email_address", address.to_owned()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect()
    }

    /// The mails received, in order.
    pub fn mails(&self) -> Vec<Vec<u8>> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .collect();
        files.sort();
        files.iter().map(|p| std::fs::read(p).unwrap()).collect()
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
