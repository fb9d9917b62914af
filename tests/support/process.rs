//! A child process (the real `cairn` binary) whose output is read while it runs, so that
//! verbose logging never blocks it, and which tests can wait on, signal and collect.

use std::process::ExitStatus;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::AsyncReadExt as _;
use tokio::task::JoinHandle;

pub struct Running {
    child: tokio::process::Child,
    out: Arc<Mutex<Vec<u8>>>,
    readers: Vec<JoinHandle<()>>,
}

impl Running {
    /// Spawns `cmd` (with piped stdout and stderr) and starts draining both into one buffer.
    pub fn spawn(mut cmd: tokio::process::Command) -> Running {
        let mut child = cmd.spawn().expect("the binary starts");
        let out = Arc::new(Mutex::new(Vec::new()));
        let mut readers = Vec::new();
        let pipes: Vec<Box<dyn tokio::io::AsyncRead + Unpin + Send>> = [
            child.stdout.take().map(|p| Box::new(p) as _),
            child.stderr.take().map(|p| Box::new(p) as _),
        ]
        .into_iter()
        .flatten()
        .collect();
        for mut pipe in pipes {
            let out = out.clone();
            readers.push(tokio::spawn(async move {
                let mut buf = [0u8; 8192];
                while let Ok(n) = pipe.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                    out.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            }));
        }
        Running {
            child,
            out,
            readers,
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id().expect("still running")
    }

    /// Everything written so far (stdout and stderr).
    pub fn output(&self) -> String {
        String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned()
    }

    /// Waits until the output contains `needle`; false if it did not within `timeout`.
    pub async fn wait_output(&self, needle: &str, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        while tokio::time::Instant::now() < deadline {
            if self.output().contains(needle) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        false
    }

    /// Sends a signal (e.g. `libc::SIGTERM`).
    pub fn signal(&self, signal: libc::c_int) {
        let pid = self.child.id().expect("still running") as libc::pid_t;
        // SAFETY: sending a signal to our own child process.
        assert_eq!(unsafe { libc::kill(pid, signal) }, 0);
    }

    /// Waits for the process to end (`None` if it did not within `timeout`, in which case it
    /// is killed), then returns its status and everything it wrote.
    pub async fn finish(mut self, timeout: Duration) -> Option<(ExitStatus, Vec<u8>)> {
        let status = match tokio::time::timeout(timeout, self.child.wait()).await {
            Ok(status) => status.expect("wait works"),
            Err(_) => {
                let _ = self.child.kill().await;
                return None;
            }
        };
        for r in self.readers.drain(..) {
            let _ = r.await;
        }
        let out = std::mem::take(&mut *self.out.lock().unwrap());
        Some((status, out))
    }
}
