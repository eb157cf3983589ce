//! The service files (`Dockerfile`, `deploy/compose.yaml`, `deploy/kubernetes/fixloop.yaml`)
//! say what the README promises: a multi-stage build, a user of its own, the state on a volume
//! at the path the watcher is given, one writer, and secrets only by reference.
#![allow(clippy::unwrap_used, reason = "test code: a panic is a failed test")]

use std::path::Path;

use yaml_rust2::{Yaml, YamlLoader};

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

fn docs(path: &str) -> Vec<Yaml> {
    YamlLoader::load_from_str(&read(path)).unwrap()
}

#[test]
fn the_image_builds_in_two_stages_and_runs_as_its_own_user_with_its_state_on_a_volume() {
    let file = read("Dockerfile");
    let lines: Vec<&str> = file
        .lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .collect();
    assert_eq!(lines.iter().filter(|l| l.starts_with("FROM ")).count(), 2);
    assert!(lines.iter().any(|l| l.starts_with("COPY --from=build")));
    assert!(lines.contains(&"USER fixloop"));
    assert!(
        lines
            .iter()
            .any(|l| l.contains("VOLUME [\"/var/lib/fixloop\"]"))
    );
    let entry = lines.iter().find(|l| l.starts_with("ENTRYPOINT")).unwrap();
    assert!(
        entry.contains("\"--state\", \"/var/lib/fixloop/watch.db\""),
        "{entry}"
    );
    assert!(!file.contains("GITHUB_TOKEN="), "no secret is baked in");
}

#[test]
fn compose_keeps_the_state_on_a_volume_and_takes_secrets_from_the_environment() {
    let compose = &docs("deploy/compose.yaml")[0];
    let service = &compose["services"]["fixloop"];
    let volumes: Vec<&str> = service["volumes"]
        .as_vec()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(
        volumes.contains(&"fixloop-state:/var/lib/fixloop"),
        "{volumes:?}"
    );
    for (name, value) in service["environment"].as_hash().unwrap() {
        let value = value.as_str().unwrap();
        assert!(
            value.starts_with("${") && value.ends_with('}'),
            "{name:?} comes from the environment, not the file: {value}"
        );
    }
}

#[test]
fn kubernetes_runs_one_writer_with_its_state_on_a_claim_and_secrets_by_reference() {
    let all = docs("deploy/kubernetes/fixloop.yaml");
    let kind = |k: &str| all.iter().find(|d| d["kind"].as_str() == Some(k)).unwrap();
    let deployment = kind("Deployment");
    assert_eq!(deployment["spec"]["replicas"].as_i64(), Some(1));
    assert_eq!(
        deployment["spec"]["strategy"]["type"].as_str(),
        Some("Recreate")
    );
    let pod = &deployment["spec"]["template"]["spec"];
    assert_eq!(pod["securityContext"]["runAsNonRoot"].as_bool(), Some(true));
    let container = &pod["containers"][0];
    let mounts = container["volumeMounts"].as_vec().unwrap();
    assert!(
        mounts
            .iter()
            .any(|m| m["mountPath"].as_str() == Some("/var/lib/fixloop"))
    );
    assert!(
        container["env"].is_badvalue(),
        "no literal environment: secrets by reference"
    );
    assert_eq!(
        container["envFrom"][0]["secretRef"]["name"].as_str(),
        Some("fixloop")
    );
    let claim = kind("PersistentVolumeClaim");
    assert_eq!(claim["metadata"]["name"].as_str(), Some("fixloop-state"));
    // The configuration in the ConfigMap is one the watcher reads.
    let config = kind("ConfigMap")["data"]["fixloop.toml"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(fixloop::core::watch::WatchConfig::parse("fixloop.toml", &config).is_ok());
}
