//! topologySpreadConstraints refusals, one rule per row, with the API server's paths and texts.

use serde_json::Value;

use super::validate;
use crate::api::decode::decode;
use crate::api::defaults::apply_defaults;

const P: &str = "spec.topologySpreadConstraints";
const QUALIFIED: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

/// A pod with `constraints` (YAML flow list) as its topologySpreadConstraints; the printed errors.
fn errors(constraints: &str) -> Vec<String> {
    let yaml = format!("apiVersion: v1\nkind: Pod\nmetadata: {{name: web}}\nspec:\n  containers: [{{name: c, image: nginx}}]\n  topologySpreadConstraints: {constraints}\n");
    let doc: Value = serde_norway::from_str(&yaml).expect("test YAML parses");
    let mut obj = decode(&doc, "t.yaml").unwrap_or_else(|e| panic!("{e:?}\n{yaml}"));
    apply_defaults(&mut obj);
    validate(&obj).iter().map(ToString::to_string).collect()
}

#[test]
fn topology_spread_constraint_rules() {
    let sel = "labelSelector: {matchLabels: {app: web}}";
    let cases: Vec<(&str, String, Vec<String>)> = vec![
        ("valid", format!("[{{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, {sel}}}]"), vec![]),
        (
            "valid, every field",
            format!("[{{maxSkew: 2, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, minDomains: 3, nodeAffinityPolicy: Honor, nodeTaintsPolicy: Ignore, matchLabelKeys: [pod-template-hash], {sel}}}]"),
            vec![],
        ),
        (
            "maxSkew zero",
            format!("[{{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, {sel}}}]"),
            vec![format!("{P}[0].maxSkew: Invalid value: 0: must be greater than zero")],
        ),
        (
            "maxSkew omitted",
            "[{topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]".into(),
            vec![format!("{P}[0].maxSkew: Invalid value: 0: must be greater than zero")],
        ),
        (
            "maxSkew negative",
            "[{maxSkew: -1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}]".into(),
            vec![format!("{P}[0].maxSkew: Invalid value: -1: must be greater than zero")],
        ),
        (
            "no topologyKey",
            "[{maxSkew: 1, topologyKey: '', whenUnsatisfiable: DoNotSchedule}]".into(),
            vec![format!("{P}[0].topologyKey: Required value: can not be empty")],
        ),
        (
            "unknown action",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: Sometimes}]".into(),
            vec![format!("{P}[0].whenUnsatisfiable: Unsupported value: \"Sometimes\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"")],
        ),
        (
            "empty action",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ''}]".into(),
            vec![format!("{P}[0].whenUnsatisfiable: Unsupported value: \"\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\"")],
        ),
        (
            "repeated pair: reported on the first",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}, {maxSkew: 2, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]".into(),
            vec![format!("{P}[0].{{topologyKey, whenUnsatisfiable}}: Duplicate value: \"{{zone, DoNotSchedule}}\"")],
        ),
        (
            "same key, other action",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}, {maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway}]".into(),
            vec![],
        ),
        (
            "minDomains zero",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, minDomains: 0}]".into(),
            vec![format!("{P}[0].minDomains: Invalid value: 0: must be greater than zero")],
        ),
        (
            "minDomains with ScheduleAnyway",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, minDomains: 2}]".into(),
            vec![format!("{P}[0].minDomains: Invalid value: 2: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway")],
        ),
        (
            "minDomains negative with ScheduleAnyway: both",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: ScheduleAnyway, minDomains: -1}]".into(),
            vec![
                format!("{P}[0].minDomains: Invalid value: -1: must be greater than zero"),
                format!("{P}[0].minDomains: Invalid value: -1: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not ScheduleAnyway"),
            ],
        ),
        (
            "node inclusion policies",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, nodeAffinityPolicy: Always, nodeTaintsPolicy: honor}]".into(),
            vec![
                format!("{P}[0].nodeAffinityPolicy: Unsupported value: \"Always\": supported values: \"Honor\", \"Ignore\""),
                format!("{P}[0].nodeTaintsPolicy: Unsupported value: \"honor\": supported values: \"Honor\", \"Ignore\""),
            ],
        ),
        (
            "matchLabelKeys without labelSelector",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: [pod-template-hash]}]".into(),
            vec![format!("{P}[0].matchLabelKeys: Forbidden: must not be specified when labelSelector is not set")],
        ),
        (
            "matchLabelKeys repeating the selector",
            format!("[{{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: [app], {sel}}}]"),
            vec![format!("{P}[0].matchLabelKeys[0]: Invalid value: \"app\": exists in both matchLabelKeys and labelSelector")],
        ),
        (
            "matchLabelKeys repeating a selector expression",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: [tier], labelSelector: {matchExpressions: [{key: tier, operator: Exists}]}}]".into(),
            vec![format!("{P}[0].matchLabelKeys[0]: Invalid value: \"tier\": exists in both matchLabelKeys and labelSelector")],
        ),
        (
            "matchLabelKeys not a label name",
            format!("[{{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, matchLabelKeys: ['-bad'], {sel}}}]"),
            vec![format!("{P}[0].matchLabelKeys[0]: Invalid value: \"-bad\": {QUALIFIED}")],
        ),
        (
            "labelSelector checked",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchExpressions: [{key: app, operator: In}]}}]".into(),
            vec![format!("{P}[0].labelSelector.matchExpressions[0].values: Required value: must be specified when `operator` is 'In' or 'NotIn'")],
        ),
        (
            "errors in rule order, second constraint indexed",
            "[{maxSkew: 1, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}, {maxSkew: 0, topologyKey: '', whenUnsatisfiable: No, minDomains: 1}]".into(),
            vec![
                format!("{P}[1].maxSkew: Invalid value: 0: must be greater than zero"),
                format!("{P}[1].topologyKey: Required value: can not be empty"),
                format!("{P}[1].whenUnsatisfiable: Unsupported value: \"No\": supported values: \"DoNotSchedule\", \"ScheduleAnyway\""),
                format!("{P}[1].minDomains: Invalid value: 1: can only use minDomains if whenUnsatisfiable=DoNotSchedule, not No"),
            ],
        ),
    ];
    for (name, constraints, want) in cases {
        assert_eq!(errors(&constraints), want, "{name}");
    }
}

#[test]
fn templates_are_checked_with_their_path() {
    let yaml = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: nginx}]\n      topologySpreadConstraints: [{maxSkew: 0, topologyKey: zone, whenUnsatisfiable: DoNotSchedule}]\n";
    let doc: Value = serde_norway::from_str(yaml).unwrap();
    let mut obj = decode(&doc, "t.yaml").unwrap();
    apply_defaults(&mut obj);
    let got: Vec<String> = validate(&obj).iter().map(ToString::to_string).collect();
    assert_eq!(got, ["spec.template.spec.topologySpreadConstraints[0].maxSkew: Invalid value: 0: must be greater than zero"]);
}
