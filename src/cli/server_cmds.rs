//! `dun serve` and `dun status`: running the team server and asking it how it is.

use super::output::{Align, Report};
use super::{Ctx, Format};
use crate::server::client::{self, Connection};
use crate::server::protocol::ServerStatus;
use crate::text::sanitize;

pub fn serve(ctx: &Ctx) -> anyhow::Result<()> {
    crate::server::serve(&crate::server::ServeOptions {
        data_dir: ctx.data_dir.clone(),
        socket: ctx.global.socket.clone(),
        config: ctx.global.config.clone(),
    })
}

pub fn status(ctx: &Ctx) -> anyhow::Result<()> {
    let conn = client::locate(&ctx.data_dir, ctx.global.socket.as_deref())?;
    let Some(mut conn) = conn else {
        let socket = crate::server::default_socket(&ctx.data_dir);
        match ctx.format {
            Format::Json => crate::say!("{{\"server\":null}}"),
            _ => crate::say!(
                "no dun server is running for {} (nothing answers on {}); commands open the book directly",
                sanitize(&ctx.data_dir.display().to_string()),
                sanitize(&socket.display().to_string())
            ),
        }?;
        return Ok(());
    };
    let status = conn.status()?;
    print_status(ctx.format, &conn, &status)
}

fn print_status(format: Format, conn: &Connection, s: &ServerStatus) -> anyhow::Result<()> {
    let time = |t: &chrono::DateTime<chrono::Utc>| t.format("%Y-%m-%d %H:%M:%S UTC").to_string();
    if format == Format::Json {
        let v = serde_json::json!({ "server": s, "you": { "user": conn.welcome.user, "role": conn.welcome.role } });
        return super::output::emit(format!("{v}\n").as_bytes());
    }
    let mut out = String::new();
    out.push_str(&format!("server      pid {}, dun {}, since {}\n", s.pid, sanitize(&s.version), time(&s.since)));
    out.push_str(&format!("book        {} (write {})\n", sanitize(&s.data_dir), s.seq));
    out.push_str(&format!("socket      {}\n", sanitize(&s.socket)));
    out.push_str(&format!("you         {} ({})\n", sanitize(&conn.welcome.user), conn.welcome.role));
    match &s.last_write {
        Some(c) => out.push_str(&format!(
            "last write  {} by {}: {} ({})\n",
            time(&c.at),
            sanitize(&c.author),
            sanitize(&c.summary),
            sanitize(&c.clients.join(", "))
        )),
        None => out.push_str("last write  none since the server started\n"),
    }
    let mut users = Report::new(&[
        ("user", Align::Left),
        ("role", Align::Left),
        ("pid", Align::Right),
        ("since", Align::Left),
        ("using", Align::Left),
    ]);
    for u in &s.sessions {
        users.rows.push(vec![
            sanitize(&u.user).into_owned(),
            u.role.to_string(),
            u.pid.to_string(),
            time(&u.since),
            if u.watching { "interface".into() } else { "command".into() },
        ]);
    }
    out.push_str(&format!("connected   {}\n", s.sessions.len()));
    out.push_str(&users.table());
    super::output::emit(out.as_bytes())
}
