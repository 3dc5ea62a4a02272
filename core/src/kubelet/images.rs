//! The image catalog: which images "exist" in the simulated registries, how big they are, how
//! long a pull takes, and what their default process does.
//!
//! Rule: an image reference is normalised the way containerd does (`nginx:1.27` →
//! `docker.io/library/nginx:1.27`, no tag ⇒ `latest`), then matched by its repository path
//! without the registry and without docker.io's `library/` prefix (`nginx`, `e2e-test-images/agnhost`,
//! `google_samples/gb-frontend`), falling back to the last path component (`registry.k8s.io/redis`
//! matches `redis`). Tags are not checked: every tag of a listed repository exists. An image
//! that matches nothing does not exist: the pull fails with containerd's `not found` error and
//! the container goes ErrImagePull → ImagePullBackOff, as a real node does.
//!
//! Images under `fishbowl/` are simulated test images for lessons: `fishbowl/crash` exits 1
//! after a few seconds, `fishbowl/hang` listens but never answers (a tcpSocket probe passes, an
//! httpGet probe times out), `fishbowl/slow-start` answers 503 on port 8080 for its first 20 s
//! and 200 after (startup and readiness probes). `liveness` (`registry.k8s.io/liveness`, and
//! agnhost run with the `liveness` argument) is the liveness-probe example of the Kubernetes
//! docs: `/healthz` on port 8080 answers 200 for the first 10 s after start, 500 after.

use std::net::Ipv4Addr;

/// What an image's default process is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum App {
    /// A long-running server.
    Server(Server),
    /// A shell/distro image: runs its command (`sh -c '…'`, `sleep`, `echo`); with none, the
    /// default `sh` has no terminal and exits 0 at once.
    Shell,
    /// A language image whose default command is an interactive REPL: without a terminal it
    /// exits 0 at once.
    Repl,
    /// Exits with `code` after `after_secs` (fishbowl/crash).
    Crash { after_secs: u64, code: i32 },
    /// The pause container: sleeps until stopped, exits at once on SIGTERM.
    Pause,
}

/// What a server image does when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Server {
    /// Ports it listens on (TCP).
    pub ports: &'static [u16],
    /// How it answers HTTP on its first port, if it speaks HTTP.
    pub http: Option<Http>,
    /// Milliseconds it takes to exit after SIGTERM; `None` ignores SIGTERM (killed at the end of
    /// the grace period).
    pub sigterm_exit_ms: Option<u64>,
    /// Exit status after SIGTERM: 0 for servers that shut down cleanly, 2 for a Go program
    /// running as PID 1 without a handler (the runtime exits with 2 on an unhandled signal).
    pub sigterm_code: i32,
    /// Whether it answers at all (fishbowl/hang accepts connections and never replies).
    pub answers: bool,
    /// Environment variable that must be set, or the entrypoint exits 1 with `error_log`.
    pub requires_env: Option<(&'static str, &'static str)>,
    /// Lines the process logs when it starts (`{time}` is replaced by the start time in nginx's
    /// `YYYY/MM/DD HH:MM:SS` format, `{version}` by the tag).
    pub start_logs: &'static [&'static str],
}

/// HTTP behaviour of a server image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Http {
    /// nginx: `/` and `/index.html` answer 200 with the welcome page, other paths 404.
    NginxWelcome,
    /// Echo servers: 200 with the request, including the client's address.
    EchoClient,
    /// 200 with a fixed body for every path.
    Text(&'static str),
    /// agnhost `liveness`: `/healthz` answers 200 while the process has run at most
    /// `healthy_secs` seconds, 500 after; `/started` 200; other paths 404.
    Liveness { healthy_secs: u64 },
    /// Every path answers 503 until the process has run `after_secs` seconds, 200 after.
    WarmUp { after_secs: u64 },
    /// CoreDNS's `health` (8080 `/health`) and `ready` (8181 `/ready`) plugins and its
    /// metrics (9153): HTTP on each of these ports, `200 OK` with body `OK`.
    CoreDns,
    /// The ingress-nginx controller: nginx on 80 routes by the cluster's Ingresses (`sim::ingress_nginx`),
    /// answers a plain-HTTP request on 443 with its 400 page; the controller's own server on
    /// 10254 answers `/healthz`.
    IngressNginx,
}

impl Http {
    /// Whether the server speaks HTTP on `port`, its `index`-th port: the first port, or for
    /// CoreDNS its health, readiness and metrics ports (53 is DNS).
    pub fn on_port(self, index: usize, port: u16) -> bool {
        match self {
            Http::CoreDns => matches!(port, 8080 | 8181 | 9153),
            Http::IngressNginx => matches!(port, 80 | 443 | 10254),
            _ => index == 0,
        }
    }
}

/// agnhost's `liveness` server (also the `registry.k8s.io/liveness` image).
pub const LIVENESS_SERVER: Server = Server {
    ports: &[8080],
    http: Some(Http::Liveness { healthy_secs: 10 }),
    sigterm_exit_ms: Some(10),
    sigterm_code: 2,
    answers: true,
    requires_env: None,
    start_logs: &[],
};

/// One catalog entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Image {
    /// Repository path without registry and without `library/`.
    pub repository: &'static str,
    /// Compressed size in bytes, as the `Pulled` event reports it.
    pub size_bytes: u64,
    /// Typical pull time from the registry, in milliseconds.
    pub pull_ms: u64,
    pub app: App,
    /// Typical usage while running: millicores and bytes (what `kubectl top` shows).
    pub usage: (u64, u64),
}

pub const NGINX_WELCOME: &str = "<!DOCTYPE html>\n<html>\n<head>\n<title>Welcome to nginx!</title>\n<style>\nhtml { color-scheme: light dark; }\nbody { width: 35em; margin: 0 auto;\nfont-family: Tahoma, Verdana, Arial, sans-serif; }\n</style>\n</head>\n<body>\n<h1>Welcome to nginx!</h1>\n<p>If you see this page, the nginx web server is successfully installed and\nworking. Further configuration is required.</p>\n\n<p>For online documentation and support please refer to\n<a href=\"http://nginx.org/\">nginx.org</a>.<br/>\nCommercial support is available at\n<a href=\"http://nginx.com/\">nginx.com</a>.</p>\n\n<p><em>Thank you for using nginx.</em></p>\n</body>\n</html>\n";

const NGINX_LOGS: &[&str] = &[
    "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration",
    "/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh",
    "10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf",
    "10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf",
    "/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh",
    "/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh",
    "/docker-entrypoint.sh: Configuration complete; ready for start up",
    "{time} [notice] 1#1: using the \"epoll\" event method",
    "{time} [notice] 1#1: nginx/{version}",
    "{time} [notice] 1#1: built by gcc 12.2.0 (Debian 12.2.0-14) ",
    "{time} [notice] 1#1: OS: Linux 6.1.0-28-amd64",
    "{time} [notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576",
    "{time} [notice] 1#1: start worker processes",
    "{time} [notice] 1#1: start worker process 29",
];

const REDIS_LOGS: &[&str] = &[
    "1:C {redistime} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo",
    "1:C {redistime} * Redis version={version}, bits=64, commit=00000000, modified=0, pid=1, just started",
    "1:M {redistime} * monotonic clock: POSIX clock_gettime",
    "1:M {redistime} * Running mode=standalone, port=6379.",
    "1:M {redistime} * Server initialized",
    "1:M {redistime} * Ready to accept connections tcp",
];

/// The controller's banner (`{version}` is the image tag); v1.11 builds on nginx 1.25.5.
const INGRESS_NGINX_LOGS: &[&str] = &[
    "-------------------------------------------------------------------------------",
    "NGINX Ingress controller",
    "  Release:       {version}",
    "  Repository:    https://github.com/kubernetes/ingress-nginx",
    "  nginx version: nginx/1.25.5",
    "",
    "-------------------------------------------------------------------------------",
];

const fn server(ports: &'static [u16], http: Option<Http>, start_logs: &'static [&'static str]) -> App {
    App::Server(Server { ports, http, sigterm_exit_ms: Some(100), sigterm_code: 0, answers: true, requires_env: None, start_logs })
}

const fn entry(repository: &'static str, size_mb: u64, pull_ms: u64, app: App, usage: (u64, u64)) -> Image {
    Image { repository, size_bytes: size_mb * 1_000_000 + (size_mb * 7919) % 1_000_000, pull_ms, app, usage }
}

const MI: u64 = 1 << 20;

/// Every image the simulated registries hold.
pub const CATALOG: &[Image] = &[
    Image { repository: "nginx", size_bytes: 72_080_558, pull_ms: 1_200, app: server(&[80], Some(Http::NginxWelcome), NGINX_LOGS), usage: (1, 3 * MI) },
    entry("nginx-slim", 30, 700, server(&[80], Some(Http::NginxWelcome), NGINX_LOGS), (1, 3 * MI)),
    entry("nginxdemos/hello", 9, 400, server(&[80], Some(Http::EchoClient), &[]), (1, 3 * MI)),
    entry("httpd", 58, 1_100, server(&[80], Some(Http::Text("<html><body><h1>It works!</h1></body></html>\n")), &[]), (1, 6 * MI)),
    entry("caddy", 19, 600, server(&[80, 443], Some(Http::Text("Caddy works!\n")), &[]), (1, 12 * MI)),
    entry("traefik/whoami", 3, 300, server(&[80], Some(Http::EchoClient), &[]), (1, 2 * MI)),
    Image { repository: "busybox", size_bytes: 2_166_802, pull_ms: 800, app: App::Shell, usage: (0, MI / 2) },
    entry("alpine", 3, 600, App::Shell, (0, MI / 2)),
    entry("ubuntu", 29, 1_300, App::Shell, (0, MI)),
    entry("debian", 48, 1_500, App::Shell, (0, MI)),
    entry("centos", 71, 2_000, App::Shell, (0, MI)),
    entry("fedora", 62, 1_900, App::Shell, (0, MI)),
    entry("curlimages/curl", 10, 500, App::Shell, (0, MI)),
    entry("nicolaka/netshoot", 180, 3_500, App::Shell, (0, 2 * MI)),
    entry("e2e-test-images/busybox", 2, 700, App::Shell, (0, MI / 2)),
    entry("e2e-test-images/jessie-dnsutils", 110, 2_800, App::Shell, (0, MI)),
    entry("python", 380, 7_000, App::Repl, (0, 8 * MI)),
    entry("node", 400, 7_500, App::Repl, (0, 10 * MI)),
    entry("golang", 300, 6_500, App::Repl, (0, 4 * MI)),
    entry("openjdk", 320, 6_800, App::Repl, (0, 20 * MI)),
    entry("ruby", 330, 6_800, App::Repl, (0, 8 * MI)),
    // The Job example's image; `perl_bpi.rs` is the program it runs.
    entry("perl", 330, 6_800, App::Repl, (0, 8 * MI)),
    Image { repository: "redis", size_bytes: 45_007_296, pull_ms: 1_300, app: server(&[6379], None, REDIS_LOGS), usage: (2, 3 * MI) },
    entry("postgres", 158, 3_500, App::Server(Server { ports: &[5432], http: None, sigterm_exit_ms: Some(300), sigterm_code: 0, answers: true, requires_env: Some(("POSTGRES_PASSWORD", "Error: Database is uninitialized and superuser password is not specified.")), start_logs: &["PostgreSQL init process complete; ready for start up.", "{time} UTC [1] LOG:  database system is ready to accept connections"] }), (5, 40 * MI)),
    entry("mysql", 170, 3_800, App::Server(Server { ports: &[3306], http: None, sigterm_exit_ms: Some(1_500), sigterm_code: 0, answers: true, requires_env: Some(("MYSQL_ROOT_PASSWORD", "{time}+00:00 [ERROR] [Entrypoint]: Database is uninitialized and password option is not specified\n    You need to specify one of the following as an environment variable:\n    - MYSQL_ROOT_PASSWORD\n    - MYSQL_ALLOW_EMPTY_PASSWORD\n    - MYSQL_RANDOM_ROOT_PASSWORD")), start_logs: &["{time}+00:00 [Note] [Entrypoint]: MySQL init process done. Ready for start up.", "{time}Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections. Version: '{version}'  socket: '/var/run/mysqld/mysqld.sock'  port: 3306  MySQL Community Server - GPL."] }), (8, 360 * MI)),
    entry("mariadb", 120, 3_000, server(&[3306], None, &[]), (5, 80 * MI)),
    entry("mongo", 250, 5_000, server(&[27017], None, &[]), (8, 70 * MI)),
    entry("memcached", 30, 800, server(&[11211], None, &[]), (1, 2 * MI)),
    entry("rabbitmq", 90, 2_500, server(&[5672, 15672], None, &[]), (10, 100 * MI)),
    entry("elasticsearch", 600, 12_000, server(&[9200, 9300], None, &[]), (50, 1024 * MI)),
    entry("wordpress", 250, 5_000, server(&[80], Some(Http::Text("<!doctype html><title>WordPress</title>\n")), &[]), (2, 30 * MI)),
    entry("ghost", 200, 4_500, server(&[2368], Some(Http::Text("<!DOCTYPE html><title>Ghost</title>\n")), &[]), (3, 80 * MI)),
    entry("tomcat", 200, 4_200, server(&[8080], Some(Http::Text("<!doctype html><title>Apache Tomcat</title>\n")), &[]), (4, 120 * MI)),
    entry("registry", 10, 500, server(&[5000], Some(Http::Text("{}")), &[]), (1, 8 * MI)),
    entry("prom/prometheus", 100, 2_500, server(&[9090], Some(Http::Text("Prometheus Server is Healthy.\n")), &[]), (5, 60 * MI)),
    entry("grafana/grafana", 120, 3_000, server(&[3000], Some(Http::Text("<!doctype html><title>Grafana</title>\n")), &[]), (3, 50 * MI)),
    entry("pause", 0, 200, App::Pause, (0, MI / 4)),
    entry("kubernetes/pause", 0, 200, App::Pause, (0, MI / 4)),
    entry("coredns/coredns", 16, 600, server(&[53, 8080, 8181, 9153], Some(Http::CoreDns), &[".:53", "CoreDNS-1.11.3", "linux/amd64, go1.21.11, a6338e9"]), (2, 15 * MI)),
    entry("networking/ip-masq-agent", 22, 700, server(&[], None, &[]), (1, 8 * MI)),
    entry("ingress-nginx/controller", 289, 2_800, server(&[80, 443, 10254], Some(Http::IngressNginx), INGRESS_NGINX_LOGS), (2, 90 * MI)),
    entry("e2e-test-images/agnhost", 51, 1_400, server(&[80, 8080], Some(Http::EchoClient), &[]), (1, 8 * MI)),
    entry("e2e-test-images/nginx", 8, 500, server(&[80], Some(Http::NginxWelcome), NGINX_LOGS), (1, 3 * MI)),
    entry("echoserver", 20, 700, server(&[8080], Some(Http::EchoClient), &[]), (1, 4 * MI)),
    entry("ealen/echo-server", 50, 1_200, server(&[80], Some(Http::EchoClient), &[]), (1, 20 * MI)),
    entry("hashicorp/http-echo", 3, 300, server(&[5678], Some(Http::Text("hello-world\n")), &[]), (1, 2 * MI)),
    entry("jmalloc/echo-server", 3, 300, server(&[8080], Some(Http::EchoClient), &[]), (1, 2 * MI)),
    entry("test-webserver", 2, 300, server(&[80], Some(Http::Text("Hello World\n")), &[]), (1, 2 * MI)),
    entry("hpa-example", 150, 3_000, server(&[80], Some(Http::Text("OK!")), &[]), (1, 10 * MI)),
    entry("google_samples/gb-frontend", 130, 2_800, server(&[80], Some(Http::Text("<html ng-app=\"redis\"><title>Guestbook</title>\n")), &[]), (1, 20 * MI)),
    entry("google-samples/gb-frontend", 130, 2_800, server(&[80], Some(Http::Text("<html ng-app=\"redis\"><title>Guestbook</title>\n")), &[]), (1, 20 * MI)),
    entry("google_samples/gb-redisslave", 40, 1_200, server(&[6379], None, REDIS_LOGS), (2, 3 * MI)),
    entry("google-samples/hello-app", 10, 500, server(&[8080], Some(Http::Text("Hello, world!\n")), &[]), (1, 3 * MI)),
    entry("google-samples/cassandra", 150, 3_000, server(&[9042, 7000], None, &[]), (20, 500 * MI)),
    entry("guestbook", 20, 800, server(&[3000], Some(Http::Text("<!doctype html><title>Guestbook</title>\n")), &[]), (1, 10 * MI)),
    entry("redis-slave", 40, 1_200, server(&[6379], None, REDIS_LOGS), (2, 3 * MI)),
    entry("cockroachdb/cockroach", 150, 3_200, server(&[26257, 8080], None, &[]), (20, 200 * MI)),
    entry("minio/minio", 60, 1_500, server(&[9000], None, &[]), (2, 60 * MI)),
    entry("fishbowl/hang", 5, 300, App::Server(Server { ports: &[80], http: Some(Http::NginxWelcome), sigterm_exit_ms: None, sigterm_code: 0, answers: false, requires_env: None, start_logs: &["listening on :80"] }), (0, MI)),
    entry("fishbowl/slow-start", 5, 300, App::Server(Server { ports: &[8080], http: Some(Http::WarmUp { after_secs: 20 }), sigterm_exit_ms: Some(10), sigterm_code: 2, answers: true, requires_env: None, start_logs: &["warming up", "listening on :8080"] }), (1, 4 * MI)),
    entry("liveness", 4, 300, App::Server(LIVENESS_SERVER), (0, 2 * MI)),
    entry("goproxy", 3, 300, server(&[8080], None, &[]), (0, 2 * MI)),
    entry("fishbowl/crash", 5, 300, App::Crash { after_secs: 5, code: 1 }, (0, MI)),
    entry("fishbowl/web", 5, 300, server(&[80], Some(Http::EchoClient), &["listening on :80"]), (1, 2 * MI)),
];

/// An image reference normalised as containerd does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageRef {
    /// `docker.io`, `registry.k8s.io`, …
    pub registry: String,
    /// `library/nginx`, `e2e-test-images/agnhost`.
    pub path: String,
    pub tag: String,
    /// `sha256:…` if the reference pinned a digest.
    pub digest: Option<String>,
}

impl ImageRef {
    pub fn parse(image: &str) -> ImageRef {
        let image = image.trim();
        let (rest, digest) = match image.split_once('@') {
            Some((r, d)) => (r, Some(d.to_string())),
            None => (image, None),
        };
        let (registry, remainder) = match rest.split_once('/') {
            Some((first, more)) if first.contains('.') || first.contains(':') || first == "localhost" => (first.to_string(), more.to_string()),
            _ => ("docker.io".to_string(), rest.to_string()),
        };
        let (path, tag) = match remainder.rsplit_once(':') {
            Some((p, t)) if !t.contains('/') => (p.to_string(), t.to_string()),
            _ => (remainder.clone(), "latest".to_string()),
        };
        let path = if registry == "docker.io" && !path.contains('/') { format!("library/{path}") } else { path };
        ImageRef { registry, path, tag, digest }
    }

    /// `docker.io/library/nginx:1.27` (the image name the runtime reports).
    pub fn full(&self) -> String {
        match &self.digest {
            Some(d) => format!("{}/{}@{d}", self.registry, self.path),
            None => format!("{}/{}:{}", self.registry, self.path, self.tag),
        }
    }

    /// `docker.io/library/nginx@sha256:…`: the imageID of a running container, with a digest
    /// derived from the repository and tag (stable, so the same image always has the same id).
    pub fn image_id(&self) -> String {
        let digest = self.digest.clone().unwrap_or_else(|| format!("sha256:{}", fake_digest(&format!("{}/{}:{}", self.registry, self.path, self.tag))));
        format!("{}/{}@{digest}", self.registry, self.path)
    }

    /// The catalog entry this reference names, if the image exists.
    pub fn lookup(&self) -> Option<&'static Image> {
        if self.digest.is_none() && !super::image_tags::exists(&self.registry, &self.path, &self.tag) {
            return None;
        }
        self.repository()
    }

    /// The catalog entry of the repository, whatever the tag.
    pub fn repository(&self) -> Option<&'static Image> {
        let short = self.path.strip_prefix("library/").unwrap_or(&self.path);
        CATALOG.iter().find(|i| i.repository == short).or_else(|| {
            let last = short.rsplit('/').next().unwrap_or(short);
            CATALOG.iter().find(|i| i.repository == last)
        })
    }
}

/// 64 hex digits derived from `text` (splitmix64 over an FNV-1a seed): a stand-in for a content
/// digest that is the same for the same name on every run.
pub fn fake_digest(text: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in text.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    let mut out = String::with_capacity(64);
    for _ in 0..4 {
        h = h.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = h;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^= z >> 31;
        out.push_str(&format!("{z:016x}"));
    }
    out
}

/// containerd's error for an image no registry has.
/// A repository Docker Hub does not have answers as if it were private (containerd's error
/// has gRPC code Unknown, which the kubelet's CRI client strips); a missing tag, or a missing
/// repository elsewhere, is NotFound.
pub fn not_found_message(image: &str, r: &ImageRef) -> String {
    let full = r.full();
    if r.registry == "docker.io" && r.repository().is_none() {
        return format!("Failed to pull image \"{image}\": failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": pull access denied, repository does not exist or may require authorization: server message: insufficient_scope: authorization failed");
    }
    format!("Failed to pull image \"{image}\": rpc error: code = NotFound desc = failed to pull and unpack image \"{full}\": failed to resolve reference \"{full}\": {full}: not found")
}

/// The address an echo server reports for a client (for the data path).
pub fn echo_body(client: Ipv4Addr, client_port: u16, host: &str, path: &str) -> String {
    format!("Request served by {host}\n\nGET {path} HTTP/1.1\n\nHost: {host}\nRemoteAddr: {client}:{client_port}\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_like_containerd() {
        assert_eq!(ImageRef::parse("nginx:1.27").full(), "docker.io/library/nginx:1.27");
        assert_eq!(ImageRef::parse("nginx").full(), "docker.io/library/nginx:latest");
        assert_eq!(ImageRef::parse("registry.k8s.io/pause:3.9").full(), "registry.k8s.io/pause:3.9");
        assert_eq!(ImageRef::parse("localhost:5000/app").full(), "localhost:5000/app:latest");
        assert_eq!(ImageRef::parse("ealen/echo-server:0.9").full(), "docker.io/ealen/echo-server:0.9");
        let id = ImageRef::parse("nginx:1.27").image_id();
        assert!(id.starts_with("docker.io/library/nginx@sha256:") && id.len() == "docker.io/library/nginx@sha256:".len() + 64);
        assert_eq!(id, ImageRef::parse("docker.io/library/nginx:1.27").image_id());
    }

    #[test]
    fn lookup_by_repository() {
        assert_eq!(ImageRef::parse("registry.k8s.io/redis:e2e").lookup().unwrap().repository, "redis");
        assert_eq!(ImageRef::parse("registry.k8s.io/e2e-test-images/agnhost:2.52").lookup().unwrap().repository, "e2e-test-images/agnhost");
        assert!(ImageRef::parse("nosuch:1").lookup().is_none());
    }
}
