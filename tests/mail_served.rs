//! Reminders of a book served by `dun serve` quote the fee terms the server
//! charges by (its `[fees]`), not the sender's own config: the sender's
//! config here has none, so only the server's terms can put a fee in.

mod server_support;

use server_support::{dun_cmd, stderr, stdout, Server, TODAY};

#[test]
fn a_served_books_letter_quotes_the_servers_fee_terms() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("book");
    let out = dun_cmd().arg("--data").arg(&data).args(["--today", TODAY, "demo", "--no-tui"]).output().unwrap();
    assert!(out.status.success(), "demo: {}", stderr(&out));
    let serve_config = dir.path().join("serve.toml");
    std::fs::write(&serve_config, "[fees]\nfixed = \"40.00\"\ngrace_days = 0\n").unwrap();
    let client_config = dir.path().join("client.toml");
    std::fs::write(&client_config, "[mail]\nfrom = \"Accounts <ar@example.com>\"\n").unwrap();
    let letter = || {
        let out = dun_cmd()
            .arg("--data")
            .arg(&data)
            .args(["--today", TODAY, "--config", client_config.to_str().unwrap()])
            .args(["letter", "C000040", "--format", "txt"])
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    // Unserved: this config's terms, none.
    assert!(!letter().contains("Late-payment fees"), "{}", letter());
    let mut cmd = dun_cmd();
    cmd.arg("--data").arg(&data).arg("--config").arg(&serve_config).arg("serve");
    let _server = Server::spawn_public(cmd, &dir.path().join("serve.log"), &data.join("dun.sock"));
    let text = letter();
    assert!(text.contains("Late-payment fees and interest to date: USD 40.00"), "{text}");
}
