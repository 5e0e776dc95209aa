//! Starting the real server for tests: in-process on port 0 with a temporary data folder, on
//! SQLite or (when `HOTLINE_TEST_POSTGRES_URL` is set) on a fresh PostgreSQL schema.

use hotline_core::demo::DEMO_PASSWORD;
use hotline_domain::Role;
use hotline_server::Service;
use hotline_server::config::Config;
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Where a test's data lives; dropping it removes the folder (and the schema).
pub struct Data {
    pub dir: tempfile::TempDir,
    pub database_url: Option<String>,
    schema: Option<(String, String)>,
}

impl Drop for Data {
    fn drop(&mut self) {
        if let Some((url, name)) = self.schema.take() {
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                rt.block_on(async {
                    if let Ok(pool) = sqlx::PgPool::connect(&url).await {
                        let _ = sqlx::query(&format!("DROP SCHEMA IF EXISTS {name} CASCADE"))
                            .execute(&pool)
                            .await;
                    }
                });
            })
            .join();
        }
    }
}

impl Data {
    /// `None` for PostgreSQL when no server is configured.
    pub async fn new(backend: Backend) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        match backend {
            Backend::Sqlite => Some(Self {
                dir,
                database_url: None,
                schema: None,
            }),
            Backend::Postgres => {
                let Ok(url) = std::env::var("HOTLINE_TEST_POSTGRES_URL") else {
                    eprintln!("HOTLINE_TEST_POSTGRES_URL is not set: PostgreSQL run skipped");
                    return None;
                };
                let name = format!("hotline_it_{:016x}", rand::random::<u64>());
                let pool = sqlx::PgPool::connect(&url).await.unwrap();
                sqlx::query(&format!("CREATE SCHEMA {name}"))
                    .execute(&pool)
                    .await
                    .unwrap();
                let sep = if url.contains('?') { '&' } else { '?' };
                Some(Self {
                    dir,
                    database_url: Some(format!("{url}{sep}options=-c%20search_path%3D{name}")),
                    schema: Some((url, name)),
                })
            }
        }
    }

    /// The PostgreSQL schema of this test, if it runs on PostgreSQL.
    pub fn schema_name(&self) -> Option<String> {
        self.schema.as_ref().map(|(_, name)| name.clone())
    }

    /// The server's configuration for this data. Forms may come back at once, and the API may
    /// be used without a token more than a few times an hour: tests go faster than people (the
    /// tests of those guards set their own).
    pub fn config(&self) -> Config {
        Config {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: self.dir.path().to_path_buf(),
            database_url: self.database_url.clone(),
            form_min_fill_secs: 0,
            unproven_submissions_per_hour: 0,
            ..Config::default()
        }
    }

    /// The configuration of a second node on the same database: its own data folder `dir`
    /// (a node's name is kept there), the first node's master key.
    pub fn config_for_another_node(&self, dir: &Path) -> Config {
        Config {
            data_dir: dir.to_path_buf(),
            master_key_file: Some(self.dir.path().join("keys").join("master.key")),
            ..self.config()
        }
    }

    /// Adds a staff account through the same path as `hotline user add`.
    pub async fn add_staff(&self, username: &str, role: Role, unit: &str) {
        let service = Service::open(&self.config()).await.unwrap();
        service
            .hotline
            .add_staff(username, "", role, &unit.parse().unwrap(), DEMO_PASSWORD)
            .await
            .unwrap();
        service.close().await;
    }

    pub async fn token(&self, username: &str) -> String {
        let service = Service::open(&self.config()).await.unwrap();
        let token = service
            .hotline
            .create_api_token(username, "test")
            .await
            .unwrap();
        service.close().await;
        token
    }
}

/// A demo-password account signed in through the use case, as the actor of direct calls.
pub async fn actor(service: &Service, username: &str) -> hotline_core::Actor {
    let signed_in = service
        .hotline
        .sign_in(username, DEMO_PASSWORD, [127, 0, 0, 1].into())
        .await
        .unwrap();
    hotline_core::Actor(signed_in.member)
}

pub struct Server {
    pub base: String,
    /// Where `/metrics` is served, apart from the public address.
    pub metrics_base: String,
    /// Names the store behind the server, for the second factors enrolled in it.
    store: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<anyhow::Result<()>>>,
}

impl Server {
    pub async fn start(config: Config) -> Self {
        Self::start_with(config, false).await
    }

    pub async fn start_with(config: Config, demo: bool) -> Self {
        let listener = tokio::net::TcpListener::bind(config.bind).await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let metrics_base = format!("http://{}", metrics.local_addr().unwrap());
        let store = format!("{:?} {:?}", config.data_dir, config.database_url);
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(hotline_server::launch_with_listener(
            config,
            listener,
            Some(metrics),
            demo,
            async {
                let _ = stopped.await;
            },
        ));
        let server = Self {
            base,
            metrics_base,
            store,
            stop: Some(stop),
            task: Some(task),
        };
        server.wait_ready().await;
        server
    }

    async fn wait_ready(&self) {
        let client = reqwest::Client::new();
        for _ in 0..600 {
            if let Ok(r) = client.get(format!("{}/readyz", self.base)).send().await
                && r.status() == 200
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("server did not become ready");
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// Graceful stop: in-flight requests finish and intake drains.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap().unwrap();
        }
    }
}

/// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
pub fn browser() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The case numbers an inbox or search page lists, in order.
pub fn cases_on(html: &str) -> Vec<String> {
    html.split("<td><a href=\"/console/reports/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

/// A report sent through the JSON API in `province`: its case number and follow-up code.
pub async fn api_report(server: &Server, text: &str, province: u32) -> (String, String) {
    api_report_at(server, text, province, None).await
}

/// A report sent through the JSON API in `province` and, if given, `commune`.
pub async fn api_report_at(
    server: &Server,
    text: &str,
    province: u32,
    commune: Option<u32>,
) -> (String, String) {
    let created: serde_json::Value = reqwest::Client::new()
        .post(server.url("/api/v1/reports"))
        .json(
            &serde_json::json!({"text": text, "province_code": province, "commune_code": commune}),
        )
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    (
        created["case_number"].as_str().unwrap().to_owned(),
        created["follow_up_code"].as_str().unwrap().to_owned(),
    )
}

/// The text of the element with `id` in a page (first `>` after it up to the next `<`).
pub fn element_text(html: &str, id: &str) -> Option<String> {
    let start = html.find(&format!("id=\"{id}\""))?;
    let rest = &html[start..];
    let open = rest.find('>')?;
    let close = rest[open..].find('<')?;
    Some(rest[open + 1..open + close].to_owned())
}

/// The value of the form field `name` in a page.
pub fn field_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_owned())
}

/// A report form handed out to `client`, its hidden fields as a browser with JavaScript sends
/// them (token, stamp, and the proof of work its script finds), then `fields`.
pub async fn report_form(
    client: &reqwest::Client,
    server: &Server,
    fields: &[(&str, &str)],
) -> Vec<(String, String)> {
    let (mut sent, bits) = hidden_fields(client, server).await;
    let stamp = sent[1].1.clone();
    sent.push((
        "work".into(),
        hotline_core::form_guard::solve_work(&stamp, bits),
    ));
    sent.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    sent
}

/// A report form's hidden fields as a browser without JavaScript sends them: no proof of work.
pub async fn report_form_without_script(
    client: &reqwest::Client,
    server: &Server,
    fields: &[(&str, &str)],
) -> Vec<(String, String)> {
    let (mut sent, _) = hidden_fields(client, server).await;
    sent.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    sent
}

/// `fields` as the text parts of a multipart form, for adding files.
pub fn multipart_of(fields: Vec<(String, String)>) -> reqwest::multipart::Form {
    fields
        .into_iter()
        .fold(reqwest::multipart::Form::new(), |form, (name, value)| {
            form.text(name, value)
        })
}

/// The token and stamp of a freshly handed-out report form, and the proof of work it asks.
async fn hidden_fields(client: &reqwest::Client, server: &Server) -> (Vec<(String, String)>, u8) {
    let html = page(client, server.url("/gui-tin-bao")).await;
    let bits_marker = "data-work-bits=\"";
    let at = html.find(bits_marker).unwrap() + bits_marker.len();
    let bits = html[at..].split('"').next().unwrap().parse().unwrap();
    let fields = vec![
        ("token".into(), field_value(&html, "token").unwrap()),
        ("stamp".into(), field_value(&html, "stamp").unwrap()),
    ];
    (fields, bits)
}

/// A staff form's fields as the console's pages send them: the session's form token, then
/// `fields`.
pub async fn console_form(
    client: &reqwest::Client,
    server: &Server,
    fields: &[(&str, &str)],
) -> Vec<(String, String)> {
    let mut inbox = page(client, server.url("/console")).await;
    if field_value(&inbox, "csrf").is_none() {
        // A member whose password an administrator chose is served only the page to change it.
        inbox = page(client, server.url("/console/password")).await;
    }
    let mut sent = vec![(
        "csrf".to_owned(),
        field_value(&inbox, "csrf").expect("signed in"),
    )];
    sent.extend(
        fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned())),
    );
    sent
}

/// Posts a staff form to `path` as its page would; the status and the page answered.
pub async fn console_post(
    client: &reqwest::Client,
    server: &Server,
    path: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let r = client
        .post(server.url(path))
        .form(&console_form(client, server, fields).await)
        .send()
        .await
        .unwrap();
    (r.status().as_u16(), r.text().await.unwrap())
}

/// `GET /api/v1/reports` at `base` (with its query) under a bearer token, as JSON.
pub async fn api_list(base: &str, path_and_query: &str, token: &str) -> serde_json::Value {
    reqwest::Client::new()
        .get(format!("{base}{path_and_query}"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// A JSON document fetched with `client`.
pub async fn json_of(client: &reqwest::Client, url: String) -> serde_json::Value {
    client.get(url).send().await.unwrap().json().await.unwrap()
}

/// The body of a page fetched with `client`.
pub async fn page(client: &reqwest::Client, url: String) -> String {
    client.get(url).send().await.unwrap().text().await.unwrap()
}

/// Signs in as `username` with the demo password, and with the second factor when the account
/// asks for it: enrolled through its page on first use (as a member with an authenticator app
/// does), then a code of the app, or a recovery code when every near code was taken.
pub async fn sign_in(client: &reqwest::Client, server: &Server, username: &str) {
    let r = client
        .post(server.url("/console/sign-in"))
        .form(&[("username", username), ("password", DEMO_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "sign-in of {username}");
    match r.headers()["location"].to_str().unwrap() {
        "/console" => {}
        "/console/second-factor" => {
            give_second_factor(client, &server.base, &server.store, username).await;
        }
        other => panic!("sign-in of {username} led to {other}"),
    }
}

/// What a test member's authenticator app and paper hold.
struct SecondFactorKept {
    secret: Vec<u8>,
    recovery_codes: Vec<String>,
    last_step: u64,
}

/// Second factors enrolled by tests, per store and member.
static SECOND_FACTORS: std::sync::Mutex<
    std::collections::BTreeMap<(String, String), SecondFactorKept>,
> = std::sync::Mutex::new(std::collections::BTreeMap::new());

#[expect(
    clippy::disallowed_methods,
    reason = "the server under test checks codes against the wall clock"
)]
pub fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// The code an authenticator app with `secret` shows at time step `step`.
pub fn totp_code(secret: &[u8], step: u64) -> String {
    totp_rs::Builder::new()
        .with_secret(secret.to_vec())
        .build()
        .unwrap()
        .generate(step * 30)
        .to_string()
}

/// The text of every `<code …>` element in a page.
fn code_elements(html: &str) -> Vec<String> {
    html.split("<code")
        .skip(1)
        .filter_map(|rest| {
            let open = rest.find('>')?;
            let close = rest.find("</code>")?;
            Some(rest[open + 1..close].to_owned())
        })
        .collect()
}

/// Gives the second factor for a session waiting for it at the server at `base`, whose store
/// `store` names.
pub async fn give_second_factor(client: &reqwest::Client, base: &str, store: &str, username: &str) {
    let url = format!("{base}/console/second-factor");
    let page = page(client, url.clone()).await;
    let csrf = field_value(&page, "csrf").unwrap();
    let key = (store.to_owned(), username.to_owned());
    let step = unix_now() / 30;
    if page.contains("class=\"secret\"") {
        let typed = code_elements(&page).remove(0).replace(' ', "");
        let secret = totp_rs::Secret::try_from_base32(typed)
            .unwrap()
            .as_bytes()
            .to_vec();
        let r = client
            .post(&url)
            .form(&[("csrf", csrf.as_str()), ("code", &totp_code(&secret, step))])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 200, "enrolment of {username}");
        let shown = r.text().await.unwrap();
        let recovery_codes = code_elements(&shown);
        assert_eq!(recovery_codes.len(), 10, "{shown}");
        SECOND_FACTORS.lock().unwrap().insert(
            key,
            SecondFactorKept {
                secret,
                recovery_codes,
                last_step: step,
            },
        );
        return;
    }
    let code = {
        let mut kept = SECOND_FACTORS.lock().unwrap();
        let kept = kept.get_mut(&key).expect("enrolled by this test run");
        // The server takes the codes of one step either side of now, each once.
        match (step.max(kept.last_step + 1)).min(step + 1) {
            next if next > kept.last_step => {
                kept.last_step = next;
                totp_code(&kept.secret, next)
            }
            _ => kept.recovery_codes.pop().expect("a recovery code left"),
        }
    };
    let r = client
        .post(&url)
        .form(&[("csrf", csrf.as_str()), ("code", code.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303, "second factor of {username}");
    assert_eq!(r.headers()["location"], "/console");
}

/// Runs the real `hotline` binary on the data folder `data` with `args`, extra environment and,
/// when given, `stdin` as its standard input; waits for it and returns what it printed.
pub fn run_cli(data: &Path, args: &[&str], env: &[(&str, &str)], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut command = Command::new(env!("CARGO_BIN_EXE_hotline"));
    command
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (key, value) in env {
        command.env(key, value);
    }
    let mut child = command.spawn().unwrap();
    let mut input = child.stdin.take().unwrap();
    if let Some(text) = stdin {
        input.write_all(text.as_bytes()).unwrap();
    }
    drop(input);
    child.wait_with_output().unwrap()
}

pub fn stdout_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Starts `command` (a `hotline … --log-format json serve --bind 127.0.0.1:0`, or one to which
/// those are added here) and returns it with its address, read from its JSON log, and every
/// line it logs, collected as it goes so that it never blocks on a full pipe.
pub fn spawn_server(
    mut command: Command,
) -> (
    std::process::Child,
    String,
    std::sync::Arc<std::sync::Mutex<Vec<String>>>,
) {
    use std::io::{BufRead, BufReader};
    let mut child = command
        .args(["--log-format", "json", "serve", "--bind", "127.0.0.1:0"])
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let mut lines = BufReader::new(stderr).lines();
    let log = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let address = loop {
        let line = lines
            .next()
            .expect("server exited before listening")
            .unwrap();
        log.lock().unwrap().push(line.clone());
        let Ok(entry) = serde_json::from_str::<serde_json::Value>(&line) else {
            continue;
        };
        if entry["fields"]["message"] == "listening" {
            break entry["fields"]["address"].as_str().unwrap().to_owned();
        }
    };
    let collected = log.clone();
    std::thread::spawn(move || {
        for line in lines.map_while(Result::ok) {
            collected.lock().unwrap().push(line);
        }
    });
    (child, format!("http://{address}"), log)
}

/// Waits (a minute at most) until the server at `base` answers ready.
pub async fn wait_ready(base: &str) {
    let client = reqwest::Client::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    loop {
        assert!(
            std::time::Instant::now() < deadline,
            "{base} never became ready"
        );
        if let Ok(r) = client.get(format!("{base}/readyz")).send().await
            && r.status() == 200
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A director of the ministry added through the CLI (with `env`), and an API token for it.
pub fn director_token(data: &Path, env: &[(&str, &str)]) -> String {
    let added = run_cli(
        data,
        &[
            "user",
            "add",
            "--username",
            "checker",
            "--role",
            "director",
            "--password-stdin",
        ],
        env,
        Some("checker password\n"),
    );
    assert!(added.status.success(), "{}", stderr_of(&added));
    let token = run_cli(data, &["token", "create", "--user", "checker"], env, None);
    assert!(token.status.success(), "{}", stderr_of(&token));
    stdout_of(&token).lines().last().unwrap().to_owned()
}

/// Every report's case number, listed by the API at `base` with `token` (fewer than 500).
pub async fn every_case_number(base: &str, token: &str) -> Vec<String> {
    let list = api_list(base, "/api/v1/reports?limit=500", token).await;
    let stored: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["case_number"].as_str().unwrap().to_owned())
        .collect();
    assert!(stored.len() < 500, "the check must see every report");
    stored
}

/// After a crash: every acknowledged report is stored, none twice, no more stored than those
/// acknowledged and the `in_flight` not yet answered, and in each series (prefix and year)
/// the numbers run from 1 without a gap.
pub fn assert_kept_once_without_gaps(stored: &[String], acknowledged: &[String], in_flight: usize) {
    let unique: std::collections::HashSet<&String> = stored.iter().collect();
    assert_eq!(unique.len(), stored.len(), "no report twice");
    for case in acknowledged {
        assert!(unique.contains(case), "acknowledged {case} was lost");
    }
    assert!(
        stored.len() <= acknowledged.len() + in_flight,
        "only reports in flight at the kill may be stored unacknowledged"
    );
    let mut series: std::collections::BTreeMap<&str, Vec<u32>> = Default::default();
    for case in stored {
        let (prefix, number) = case.rsplit_once('-').unwrap();
        series
            .entry(prefix)
            .or_default()
            .push(number.parse().unwrap());
    }
    for (prefix, mut numbers) in series {
        numbers.sort_unstable();
        let expected: Vec<u32> = (1..=u32::try_from(numbers.len()).unwrap()).collect();
        assert_eq!(numbers, expected, "{prefix}: numbers without gaps");
    }
}
