//! Socket activation: the listening socket systemd (`pledge-server.socket`) passes in, so
//! a restart or an upgrade never closes the port. While no server runs, the kernel queues
//! new connections on the socket systemd keeps open, and the next server answers them.
//!
//! The protocol is systemd's (`sd_listen_fds(3)`): `LISTEN_PID` names this process,
//! `LISTEN_FDS` counts the sockets, the first is fd 3. The `listenfd` crate turns the fd
//! into a listener (the `unsafe` it takes is there, not here).

use anyhow::{Context, bail};

/// The listening socket passed by systemd, if this process was given one: `None` without
/// `LISTEN_FDS`, or when `LISTEN_PID` names another process (a variable left over from a
/// parent). Takes the variables out of the environment, so call it once, before anything
/// else runs threads that read the environment.
pub fn inherited_listener() -> anyhow::Result<Option<std::net::TcpListener>> {
    if std::env::var_os("LISTEN_FDS").is_none() {
        // No environment change at all in the usual case (tests, a shell, no socket unit).
        return Ok(None);
    }
    let mut fds = listenfd::ListenFd::from_env();
    match fds.len() {
        0 => return Ok(None),
        1 => {}
        n => bail!(
            "systemd passed {n} sockets (LISTEN_FDS={n}); pledge-server takes one: give pledge-server.socket a single ListenStream="
        ),
    }
    let listener = fds
        .take_tcp_listener(0)
        .context(
            "the socket systemd passed (fd 3) is not a TCP socket: pledge-server.socket needs ListenStream=ADDRESS:PORT (e.g. 127.0.0.1:8080), not a path",
        )?
        .context("systemd's socket (fd 3) was already taken")?;
    // tokio needs it non-blocking; the flag is the socket's, which systemd does not mind.
    listener
        .set_nonblocking(true)
        .context("making systemd's socket non-blocking")?;
    Ok(Some(listener))
}
