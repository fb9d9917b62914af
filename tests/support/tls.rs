//! The double's HTTPS side: a certificate authority made at test time, a certificate for
//! `discord.com` signed by it, and a TLS listener on 127.0.0.1 that serves the same routes as
//! the plain one. The bot's HTTPS client resolves `discord.com` to this listener and trusts only
//! this authority, so its requests take the production path: real TLS, real URLs
//! (`https://discord.com/api/v10/...`) and serenity's real rate limiter.

use std::sync::Arc;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use rustls::pki_types::PrivatePkcs8KeyDer;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// A test certificate authority and the `discord.com` server key it signed.
pub struct TestCa {
    /// The authority's certificate, PEM: what the bot is told to trust.
    pub ca_pem: String,
    server: rustls::ServerConfig,
}

impl TestCa {
    /// Makes a fresh authority and a certificate for `discord.com` (and `127.0.0.1`).
    pub fn new() -> TestCa {
        let ca_key = rcgen::KeyPair::generate().expect("CA key");
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).expect("CA");
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params
            .distinguished_name
            .push(rcgen::DnType::CommonName, "cairn test CA");
        let ca = ca_params.self_signed(&ca_key).expect("CA certificate");

        let key = rcgen::KeyPair::generate().expect("server key");
        let params = rcgen::CertificateParams::new(vec!["discord.com".into(), "127.0.0.1".into()])
            .expect("server params");
        let cert = params.signed_by(&key, &ca, &ca_key).expect("server cert");

        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut server = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("TLS versions")
            .with_no_client_auth()
            .with_single_cert(
                vec![cert.der().clone(), ca.der().clone()],
                PrivatePkcs8KeyDer::from(key.serialize_der()).into(),
            )
            .expect("server config");
        server.alpn_protocols = vec![b"http/1.1".to_vec()];
        TestCa {
            ca_pem: ca.pem(),
            server,
        }
    }

    /// Serves `app` over TLS on `listener` until the task is aborted.
    pub fn serve(&self, listener: TcpListener, app: Router) -> JoinHandle<()> {
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(self.server.clone()));
        tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let acceptor = acceptor.clone();
                let app = app.clone();
                tokio::spawn(async move {
                    // A client that gives up mid-handshake is not the double's problem.
                    let Ok(tls) = acceptor.accept(tcp).await else {
                        return;
                    };
                    let service = TowerToHyperService::new(app);
                    let _ = auto::Builder::new(TokioExecutor::new())
                        .serve_connection_with_upgrades(TokioIo::new(tls), service)
                        .await;
                });
            }
        })
    }
}
