//! A local HTTP server for tests: it answers each request with what a script says and counts
//! every request it gets (method, path, Authorization header, body).

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use std::sync::{Arc, Mutex};

/// One request as the server saw it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    pub path: String,
    pub auth: Option<String>,
    pub body: String,
}

/// An answer: status, extra headers, body.
pub type Answer = (u16, Vec<(&'static str, String)>, String);

/// The script: the requests seen so far (this one last) to the answer.
pub type Script = dyn Fn(&[Seen]) -> Answer + Send + Sync;

/// A running server.
pub struct Server {
    pub url: String,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Server {
    /// Serves `script` on a free loopback port, on the current runtime.
    pub async fn start(script: impl Fn(&[Seen]) -> Answer + Send + Sync + 'static) -> Server {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let log = seen.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                let (log, script) = (log.clone(), script.clone());
                tokio::spawn(async move {
                    let svc = hyper::service::service_fn(
                        move |req: hyper::Request<hyper::body::Incoming>| {
                            let (log, script) = (log.clone(), script.clone());
                            async move {
                                let (parts, body) = req.into_parts();
                                let body = body.collect().await?.to_bytes();
                                let answer = {
                                    let mut log = log.lock().unwrap();
                                    log.push(Seen {
                                        method: parts.method.to_string(),
                                        path: parts.uri.to_string(),
                                        auth: parts
                                            .headers
                                            .get("authorization")
                                            .map(|v| v.to_str().unwrap().to_string()),
                                        body: String::from_utf8_lossy(&body).into_owned(),
                                    });
                                    script(&log)
                                };
                                let mut resp = hyper::Response::builder().status(answer.0);
                                for (k, v) in answer.1 {
                                    resp = resp.header(k, v);
                                }
                                Ok::<_, hyper::Error>(
                                    resp.body(Full::new(Bytes::from(answer.2))).unwrap(),
                                )
                            }
                        },
                    );
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), svc)
                        .await;
                });
            }
        });
        Server { url, seen }
    }

    /// Every request so far.
    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }
}

/// A JSON answer.
pub fn json(status: u16, body: serde_json::Value) -> Answer {
    (
        status,
        vec![("content-type", "application/json".into())],
        body.to_string(),
    )
}

/// Client settings for tests: `attempts` tries, retried after a millisecond at most.
pub fn quick(attempts: u32) -> crate::endpoint::Tuning {
    crate::endpoint::Tuning {
        rate: 0.0,
        backoff: crate::retry::Backoff {
            base: std::time::Duration::from_millis(1),
            max: std::time::Duration::from_millis(2),
            attempts,
        },
        timeout: std::time::Duration::from_secs(5),
        quota: None,
        max_body: crate::endpoint::MAX_BODY,
    }
}
