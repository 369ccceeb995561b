//! Unit tests of the parent module, kept in their own file.

use clap::CommandFactory;

use super::Cli;

#[test]
fn definition_is_consistent() {
    Cli::command().debug_assert();
}

#[test]
fn cert_and_key_come_together() {
    use clap::Parser;
    let base = [
        "snap-bi",
        "token",
        "b2b",
        "--url",
        "https://h/t",
        "--client-id",
        "C",
    ];
    let parse = |extra: &[&str]| {
        let mut args = base.to_vec();
        args.extend(["--private-key", "k.pem"]);
        args.extend(extra);
        Cli::try_parse_from(args)
    };
    assert!(parse(&["--cert", "c.pem"]).is_err());
    assert!(parse(&["--key", "k.pem"]).is_err());
    assert!(parse(&["--cert", "c.pem", "--key", "k.pem", "--cacert", "ca.pem"]).is_ok());
    assert!(parse(&["--insecure"]).is_err());
}
