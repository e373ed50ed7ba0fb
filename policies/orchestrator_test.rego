# Tests of the shipped policy. Run them with `npm run policy:test`; the daemon refuses a policy
# directory whose tests fail. Every test is a rule named test_* that must evaluate to true.
package orchestrator_test

import data.orchestrator

# ---------------------------------------------------------------------------------------------
# Helpers

# A well-formed input document, as the daemon builds it.
request(agent_id, command_type, severity, params, history) := {
	"command": {
		"action_id": "a-1",
		"command_type": command_type,
		"params": params,
		"severity": severity,
		"metadata": {},
	},
	"agent": {"id": agent_id, "queue": "agent-commands"},
	"context": {"history": history},
	"now": "2026-11-21T08:00:00Z",
}

# The common case: agent-7, declared LOW, no history.
simple(command_type, params) := request("agent-7", command_type, "LOW", params, {})

decide(doc) := d if {
	d := orchestrator.decision with input as doc
}

refresh(history) := request("agent-7", "REFRESH_TOKEN", "LOW", {"service": "gmail"}, history)

checkout(agent_id, amount) := request(agent_id, "CHECKOUT_COMPLETE", "LOW", {"total_amount": amount}, {})

security_high := {"severity": "high", "teams": ["security"]}

security_warning := {"severity": "warning", "teams": ["security"]}

security_engineering_critical := {"severity": "critical", "teams": ["security", "engineering"]}

# ---------------------------------------------------------------------------------------------
# allow / judge / block by the risk table

test_allow_low_risk_type if {
	decide(simple("CHECK_INTEGRATION_STATUS", {"service": "gmail"})) == {
		"action": "allow",
		"risk": "LOW",
		"reasons": ["Command type CHECK_INTEGRATION_STATUS is LOW risk (risk table)."],
		"alert": null,
	}
}

test_every_low_risk_type_is_allowed if {
	every command_type in ["CHECK_INTEGRATION_STATUS", "DISCOVER_PRODUCTS", "CHECKOUT_PRECHECK", "UPDATE_SESSION_LEG"] {
		d := decide(simple(command_type, {}))
		d.action == "allow"
		d.risk == "LOW"
		d.alert == null
	}
}

test_judge_medium_risk_type if {
	decide(refresh({})) == {
		"action": "judge",
		"risk": "MEDIUM",
		"reasons": ["Command type REFRESH_TOKEN is MEDIUM risk (risk table)."],
		"alert": null,
	}
}

test_judge_checkout_by_listed_agent if {
	decide(checkout("agent-checkout-1", 120)) == {
		"action": "judge",
		"risk": "MEDIUM",
		"reasons": ["Command type CHECKOUT_COMPLETE is MEDIUM risk (risk table)."],
		"alert": null,
	}
}

test_block_connect_integration_for_manual_review if {
	decide(simple("CONNECT_INTEGRATION", {"service": "slack"})) == {
		"action": "block",
		"risk": "HIGH",
		"reasons": ["New integrations require manual security and permissions review."],
		"alert": security_engineering_critical,
	}
}

test_connect_integration_blocked_whatever_the_declared_severity if {
	every severity in ["LOW", "MEDIUM", "HIGH", "CRITICAL"] {
		d := decide(request("agent-7", "CONNECT_INTEGRATION", severity, {}, {}))
		d.action == "block"
		d.reasons == ["New integrations require manual security and permissions review."]
		d.alert == security_engineering_critical
	}
}

# ---------------------------------------------------------------------------------------------
# Default deny

test_unknown_command_type_is_blocked if {
	decide(simple("DELETE_ALL_DATA", {})) == {
		"action": "block",
		"risk": "HIGH",
		"reasons": ["Unknown command type: DELETE_ALL_DATA"],
		"alert": security_warning,
	}
}

test_command_types_are_case_sensitive if {
	decide(simple("check_integration_status", {})).reasons == ["Unknown command type: check_integration_status"]
}

test_unknown_type_with_declared_high_is_still_default_deny if {
	d := decide(request("agent-7", "WIRE_TRANSFER", "HIGH", {}, {}))
	d.action == "block"
	d.reasons == ["Unknown command type: WIRE_TRANSFER"]
	d.alert == security_warning
}

# ---------------------------------------------------------------------------------------------
# Declared severity: raises, never lowers

test_declared_medium_raises_low_type_to_judge if {
	decide(request("agent-7", "CHECK_INTEGRATION_STATUS", "MEDIUM", {}, {})) == {
		"action": "judge",
		"risk": "MEDIUM",
		"reasons": [
			"Command type CHECK_INTEGRATION_STATUS is LOW risk (risk table).",
			"Declared severity MEDIUM is above the computed risk LOW.",
		],
		"alert": null,
	}
}

test_declared_high_blocks_with_high_alert if {
	decide(request("agent-7", "DISCOVER_PRODUCTS", "HIGH", {}, {})) == {
		"action": "block",
		"risk": "HIGH",
		"reasons": [
			"Command type DISCOVER_PRODUCTS is LOW risk (risk table).",
			"Declared severity HIGH is above the computed risk LOW.",
		],
		"alert": security_high,
	}
}

test_declared_critical_counts_as_high if {
	d := decide(request("agent-7", "REFRESH_TOKEN", "CRITICAL", {"service": "gmail"}, {}))
	d.action == "block"
	d.risk == "HIGH"
	"Declared severity CRITICAL is above the computed risk MEDIUM." in d.reasons
	d.alert == security_high
}

test_declared_low_never_lowers_the_table if {
	d := decide(request("agent-7", "REFRESH_TOKEN", "LOW", {"service": "gmail"}, {}))
	d.action == "judge"
	d.reasons == ["Command type REFRESH_TOKEN is MEDIUM risk (risk table)."]
}

test_declared_equal_to_table_adds_no_reason if {
	d := decide(request("agent-7", "REFRESH_TOKEN", "MEDIUM", {"service": "gmail"}, {}))
	d.action == "judge"
	d.reasons == ["Command type REFRESH_TOKEN is MEDIUM risk (risk table)."]
}

test_missing_severity_is_low if {
	d := decide({"command": {"command_type": "UPDATE_SESSION_LEG", "params": {}}, "agent": {"id": "agent-7"}})
	d.action == "allow"
	d.risk == "LOW"
}

test_declared_severity_above_an_escalation if {
	d := decide(request("agent-7", "CHECKOUT_PRECHECK", "HIGH", {"total_amount": 1500}, {}))
	d.action == "block"
	d.reasons == [
		"CHECKOUT_PRECHECK params.total_amount 1500 is above 1000: risk raised to MEDIUM.",
		"Command type CHECKOUT_PRECHECK is LOW risk (risk table).",
		"Declared severity HIGH is above the computed risk MEDIUM.",
	]
}

# ---------------------------------------------------------------------------------------------
# Parameter escalations

test_checkout_complete_above_threshold_is_blocked if {
	decide(checkout("agent-checkout-1", 750)) == {
		"action": "block",
		"risk": "HIGH",
		"reasons": [
			"CHECKOUT_COMPLETE params.total_amount 750 is above 500: risk raised to HIGH.",
			"Command type CHECKOUT_COMPLETE is MEDIUM risk (risk table).",
		],
		"alert": security_high,
	}
}

test_checkout_complete_at_threshold_is_judged if {
	decide(checkout("agent-checkout-1", 500)).action == "judge"
}

test_checkout_complete_fraction_above_threshold_is_blocked if {
	d := decide(checkout("agent-checkout-2", 500.01))
	d.action == "block"
	"CHECKOUT_COMPLETE params.total_amount 500.01 is above 500: risk raised to HIGH." in d.reasons
}

test_checkout_complete_non_numeric_amount_fails_closed if {
	d := decide(checkout("agent-checkout-1", "90"))
	d.action == "block"
	d.reasons == [
		"CHECKOUT_COMPLETE params.total_amount is not a number: risk raised to HIGH.",
		"Command type CHECKOUT_COMPLETE is MEDIUM risk (risk table).",
	]
	d.alert == security_high
}

test_checkout_complete_without_amount_keeps_table_risk if {
	d := decide(request("agent-checkout-1", "CHECKOUT_COMPLETE", "LOW", {}, {}))
	d.action == "judge"
}

test_checkout_precheck_above_threshold_is_judged if {
	decide(simple("CHECKOUT_PRECHECK", {"total_amount": 1500})) == {
		"action": "judge",
		"risk": "MEDIUM",
		"reasons": [
			"CHECKOUT_PRECHECK params.total_amount 1500 is above 1000: risk raised to MEDIUM.",
			"Command type CHECKOUT_PRECHECK is LOW risk (risk table).",
		],
		"alert": null,
	}
}

test_checkout_precheck_at_threshold_is_allowed if {
	decide(simple("CHECKOUT_PRECHECK", {"total_amount": 1000})).action == "allow"
}

test_discover_products_large_limit_is_judged if {
	d := decide(simple("DISCOVER_PRODUCTS", {"query": "shoes", "limit": 300}))
	d.action == "judge"
	d.reasons == [
		"Command type DISCOVER_PRODUCTS is LOW risk (risk table).",
		"DISCOVER_PRODUCTS params.limit 300 is above 250: risk raised to MEDIUM.",
	]
}

test_discover_products_limit_at_threshold_is_allowed if {
	decide(simple("DISCOVER_PRODUCTS", {"query": "shoes", "limit": 250})).action == "allow"
}

test_escalation_thresholds_come_from_data if {
	d := decide(simple("DISCOVER_PRODUCTS", {"limit": 300})) with data.orchestrator.config.escalations as {}
	d.action == "allow"
}

# ---------------------------------------------------------------------------------------------
# Allowlists

test_unlisted_agent_is_blocked if {
	decide(checkout("agent-7", 120)) == {
		"action": "block",
		"risk": "HIGH",
		"reasons": [
			"Agent agent-7 is not on the allowlist for CHECKOUT_COMPLETE.",
			"Command type CHECKOUT_COMPLETE is MEDIUM risk (risk table).",
		],
		"alert": security_high,
	}
}

test_missing_agent_id_is_not_on_any_allowlist if {
	d := decide({"command": {"command_type": "CHECKOUT_COMPLETE", "params": {"total_amount": 10}}})
	d.action == "block"
	"Agent (no agent id) is not on the allowlist for CHECKOUT_COMPLETE." in d.reasons
}

test_type_without_allowlist_is_open_to_every_agent if {
	every agent_id in ["agent-7", "agent-checkout-1", "someone-new"] {
		decide(request(agent_id, "UPDATE_SESSION_LEG", "LOW", {}, {})).action == "allow"
	}
}

test_allowlists_come_from_data if {
	decide(checkout("agent-7", 120)).action == "judge" with data.orchestrator.config.allowlists as {}
	d := decide(refresh({})) with data.orchestrator.config.allowlists as {"REFRESH_TOKEN": ["agent-1"]}
	d.action == "block"
	"Agent agent-7 is not on the allowlist for REFRESH_TOKEN." in d.reasons
}

test_empty_allowlist_blocks_every_agent if {
	d := decide(simple("CHECK_INTEGRATION_STATUS", {})) with data.orchestrator.config.allowlists as {"CHECK_INTEGRATION_STATUS": []}
	d.action == "block"
	d.alert == security_high
}

# ---------------------------------------------------------------------------------------------
# Refresh storm

test_refresh_storm_service_attempts if {
	decide(refresh({"service": {"attempts_1h": 5, "denials_1h": 0}})) == {
		"action": "block",
		"risk": "HIGH",
		"reasons": [
			"Command type REFRESH_TOKEN is MEDIUM risk (risk table).",
			"Refresh storm: service attempts in the last hour (5) reached the threshold (5).",
		],
		"alert": security_engineering_critical,
	}
}

test_refresh_storm_agent_attempts if {
	d := decide(refresh({"agent": {"attempts_1h": 7, "denials_1h": 0}}))
	d.action == "block"
	"Refresh storm: agent attempts in the last hour (7) reached the threshold (5)." in d.reasons
	d.alert == security_engineering_critical
}

test_refresh_storm_service_denials if {
	d := decide(refresh({"service": {"attempts_1h": 3, "denials_1h": 3}}))
	d.action == "block"
	d.reasons == [
		"Command type REFRESH_TOKEN is MEDIUM risk (risk table).",
		"Refresh storm: service denials in the last hour (3) reached the threshold (3).",
	]
	d.alert == security_engineering_critical
}

test_refresh_storm_agent_denials if {
	d := decide(refresh({"agent": {"attempts_1h": 3, "denials_1h": 4}}))
	d.action == "block"
	"Refresh storm: agent denials in the last hour (4) reached the threshold (3)." in d.reasons
	d.alert == security_engineering_critical
}

test_refresh_storm_reports_every_counter if {
	d := decide(refresh({"service": {"attempts_1h": 9, "denials_1h": 3}, "agent": {"attempts_1h": 5, "denials_1h": 1}}))
	d.reasons == [
		"Command type REFRESH_TOKEN is MEDIUM risk (risk table).",
		"Refresh storm: agent attempts in the last hour (5) reached the threshold (5).",
		"Refresh storm: service attempts in the last hour (9) reached the threshold (5).",
		"Refresh storm: service denials in the last hour (3) reached the threshold (3).",
	]
}

test_refresh_below_every_threshold_is_judged if {
	d := decide(refresh({"service": {"attempts_1h": 4, "denials_1h": 2}, "agent": {"attempts_1h": 4, "denials_1h": 2}}))
	d.action == "judge"
	d.alert == null
}

test_refresh_without_history_is_judged if {
	d := decide({"command": {"command_type": "REFRESH_TOKEN", "params": {"service": "gmail"}}, "agent": {"id": "agent-7"}})
	d.action == "judge"
}

test_refresh_storm_applies_to_refresh_token_only if {
	d := decide(request("agent-7", "CHECK_INTEGRATION_STATUS", "LOW", {"service": "gmail"}, {"service": {"attempts_1h": 50, "denials_1h": 50}}))
	d.action == "allow"
}

test_refresh_storm_ignores_non_numeric_counters if {
	decide(refresh({"service": {"attempts_1h": "many"}})).action == "judge"
}

test_refresh_storm_thresholds_come_from_data if {
	d := decide(refresh({"service": {"attempts_1h": 5}})) with data.orchestrator.config.refresh_storm as {"service_attempts_1h": 10, "agent_attempts_1h": 10, "denials_1h": 10}
	d.action == "judge"
}

# ---------------------------------------------------------------------------------------------
# Alert precedence when several findings apply

test_refresh_storm_alert_wins_over_allowlist if {
	d := decide(refresh({"agent": {"attempts_1h": 6}})) with data.orchestrator.config.allowlists as {"REFRESH_TOKEN": ["agent-1"]}
	d.alert == security_engineering_critical
	d.reasons == [
		"Agent agent-7 is not on the allowlist for REFRESH_TOKEN.",
		"Command type REFRESH_TOKEN is MEDIUM risk (risk table).",
		"Refresh storm: agent attempts in the last hour (6) reached the threshold (5).",
	]
}

test_manual_review_alert_wins_over_allowlist if {
	d := decide(simple("CONNECT_INTEGRATION", {})) with data.orchestrator.config.allowlists as {"CONNECT_INTEGRATION": ["agent-integrations"]}
	d.alert == security_engineering_critical
	d.reasons == [
		"Agent agent-7 is not on the allowlist for CONNECT_INTEGRATION.",
		"New integrations require manual security and permissions review.",
	]
}

test_allowlist_alert_wins_over_high_risk if {
	d := decide(checkout("agent-7", 900)) with data.orchestrator.config.alerts.not_allowlisted as {"severity": "critical", "teams": ["payments"]}
	d.alert == {"severity": "critical", "teams": ["payments"]}
}

# ---------------------------------------------------------------------------------------------
# Malformed input

malformed_alert := security_warning

test_missing_command_is_blocked if {
	decide({"agent": {"id": "agent-7"}}) == {
		"action": "block",
		"risk": "HIGH",
		"reasons": ["Malformed input: command is missing or not an object."],
		"alert": malformed_alert,
	}
}

test_empty_and_non_object_inputs_are_blocked if {
	every doc in [{}, "REFRESH_TOKEN", null, [1, 2]] {
		d := decide(doc)
		d.action == "block"
		d.reasons == ["Malformed input: command is missing or not an object."]
	}
}

test_command_that_is_not_an_object_is_blocked if {
	decide({"command": "REFRESH_TOKEN"}).reasons == ["Malformed input: command is missing or not an object."]
}

test_non_string_command_type_is_blocked if {
	every command_type in [42, null, true, ["REFRESH_TOKEN"], {"type": "REFRESH_TOKEN"}] {
		d := decide({"command": {"command_type": command_type, "params": {}}})
		d.action == "block"
		d.risk == "HIGH"
		d.reasons == ["Malformed input: command.command_type is missing or not a string."]
		d.alert == malformed_alert
	}
}

test_missing_command_type_is_blocked if {
	decide({"command": {"params": {}}}).reasons == ["Malformed input: command.command_type is missing or not a string."]
}

test_params_that_are_not_an_object_are_blocked if {
	d := decide({"command": {"command_type": "DISCOVER_PRODUCTS", "params": ["limit", 10]}})
	d.action == "block"
	d.reasons == ["Malformed input: command.params must be an object."]
}

test_unrecognised_severity_is_blocked if {
	every severity in ["URGENT", "high", 3, null] {
		d := decide(request("agent-7", "CHECK_INTEGRATION_STATUS", severity, {}, {}))
		d.action == "block"
		d.reasons == ["Malformed input: command.severity must be one of LOW, MEDIUM, HIGH, CRITICAL."]
	}
}

test_every_malformation_is_reported_in_order if {
	d := decide({"command": {"command_type": 7, "params": "x", "severity": "SOMETIMES"}})
	d.reasons == [
		"Malformed input: command.command_type is missing or not a string.",
		"Malformed input: command.params must be an object.",
		"Malformed input: command.severity must be one of LOW, MEDIUM, HIGH, CRITICAL.",
	]
}

# ---------------------------------------------------------------------------------------------
# Fail closed: the decision is defined even when the configuration is missing

test_decision_without_configuration_blocks if {
	every doc in [simple("CHECK_INTEGRATION_STATUS", {}), {}] {
		d := decide(doc) with data.orchestrator.config as {}
		d.action == "block"
		d.risk == "HIGH"
		d.alert == security_high
	}
}

# ---------------------------------------------------------------------------------------------
# The shipped configuration is well formed. These catch a typo in data.json before the daemon
# loads it (it refuses a policy whose tests fail).

shipped := data.orchestrator.config

levels := {"LOW", "MEDIUM", "HIGH"}

test_config_every_risk_level_is_valid if {
	count(shipped.risk_by_type) > 0
	every level in shipped.risk_by_type {
		level in levels
	}
}

test_config_escalations_are_valid if {
	every command_type, list in shipped.escalations {
		shipped.risk_by_type[command_type]
		every e in list {
			is_string(e.param)
			is_number(e.above)
			e.risk in levels
		}
	}
}

test_config_manual_review_types_are_known if {
	every command_type, reason in shipped.manual_review {
		shipped.risk_by_type[command_type]
		is_string(reason)
	}
}

test_config_allowlists_are_lists_of_agent_ids if {
	every command_type, ids in shipped.allowlists {
		shipped.risk_by_type[command_type]
		is_array(ids)
		every id in ids {
			is_string(id)
		}
	}
}

test_config_refresh_storm_thresholds_are_at_least_one if {
	every key in ["service_attempts_1h", "agent_attempts_1h", "denials_1h"] {
		is_number(shipped.refresh_storm[key])
		shipped.refresh_storm[key] >= 1
	}
}

test_config_every_alert_is_routed if {
	every key in ["malformed_input", "unknown_command_type", "refresh_storm", "manual_review", "not_allowlisted", "high_risk"] {
		shipped.alerts[key].severity in {"critical", "high", "warning"}
		count(shipped.alerts[key].teams) > 0
	}
}
