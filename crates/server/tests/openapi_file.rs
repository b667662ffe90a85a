//! The web app's API types are generated from `web/openapi.json`; this keeps that file equal
//! to the document the server serves, so a changed route or schema cannot go unnoticed.

use std::path::Path;

#[test]
fn web_openapi_json_is_the_servers_document() {
    let doc = serde_json::to_string_pretty(&snapdeploy_server::openapi_document()).unwrap() + "\n";
    // The manifest folder as the test runs (a reused target directory may come from another
    // clone).
    let root =
        std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").into());
    let path = Path::new(&root).join("../../web/openapi.json");
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(&path, &doc).unwrap();
        return;
    }
    let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        on_disk == doc,
        "web/openapi.json is stale: run `UPDATE_OPENAPI=1 cargo test -p snapdeploy-server --test openapi_file`, then `npm run gen:api` in web/"
    );
}
