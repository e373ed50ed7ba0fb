# The shipped orchestrator policy: what the daemon does with each command an agent enqueues.
#
# Entry point: data.orchestrator.decision, always defined:
#
#   {"action": "allow" | "judge" | "block",      LOW -> allow, MEDIUM -> judge (LLM jury), HIGH -> block
#    "risk": "LOW" | "MEDIUM" | "HIGH",
#    "reasons": [string, ...],                    sorted, so the same input always reads the same
#    "alert": null | {"severity": "critical" | "high" | "warning", "teams": [string, ...]}}
#
# Numbers, lists and alert routing live in policies/data.json under data.orchestrator.config:
# change thresholds and allowlists there, not here. docs/policies.md explains the input document.
package orchestrator

import data.orchestrator.config

# ---------------------------------------------------------------------------------------------
# Decision

# Fail closed: if nothing below produces a decision (for instance data.json lost a key the
# rules need), the command is blocked. This alert is written out here rather than read from
# data.json because a broken data.json is one way to get here.
default decision := {
	"action": "block",
	"risk": "HIGH",
	"reasons": ["Policy could not assess this command (configuration incomplete); blocked by default."],
	"alert": {"severity": "high", "teams": ["security"]},
}

# A command that does not have the documented shape is not assessed at all.
decision := {
	"action": "block",
	"risk": "HIGH",
	"reasons": sort(malformed),
	"alert": config.alerts.malformed_input,
} if {
	count(malformed) > 0
}

# Default deny: a command type missing from the risk table is blocked, whatever else it says.
decision := {
	"action": "block",
	"risk": "HIGH",
	"reasons": [sprintf("Unknown command type: %s", [command_type])],
	"alert": config.alerts.unknown_command_type,
} if {
	count(malformed) == 0
	not known_type
}

decision := {
	"action": actions[risk_rank],
	"risk": risk_names[risk_rank],
	"reasons": sort(reasons),
	"alert": alert,
} if {
	count(malformed) == 0
	known_type
}

# ---------------------------------------------------------------------------------------------
# Risk levels. Ranks index `risk_names` and `actions`.

risk_names := ["LOW", "MEDIUM", "HIGH"]

actions := ["allow", "judge", "block"]

# CRITICAL is accepted as a declared severity and counts as HIGH (there is nothing above block).
rank := {"LOW": 0, "MEDIUM": 1, "HIGH": 2, "CRITICAL": 2}

severities := {"LOW", "MEDIUM", "HIGH", "CRITICAL"}

# ---------------------------------------------------------------------------------------------
# Input shape

command_type := input.command.command_type

malformed contains "Malformed input: command is missing or not an object." if {
	not is_object(input.command)
}

malformed contains "Malformed input: command.command_type is missing or not a string." if {
	is_object(input.command)
	not is_string(input.command.command_type)
}

malformed contains "Malformed input: command.params must be an object." if {
	params := input.command.params
	not is_object(params)
}

malformed contains "Malformed input: command.severity must be one of LOW, MEDIUM, HIGH, CRITICAL." if {
	severity := input.command.severity
	not severity in severities
}

# ---------------------------------------------------------------------------------------------
# Effective risk: the highest of the risk table, the parameter escalations, the agent's declared
# severity (input, never authority: it can raise the risk, never lower it) and HIGH whenever a
# finding below forces a block.

table_rank := rank[config.risk_by_type[command_type]]

# Default deny: only types in the risk table (with a valid level) are known.
known_type if table_rank >= 0

# A missing severity is LOW.
default declared_rank := 0

declared_rank := rank[input.command.severity]

# Risk from what the command is and what it asks for, before the agent's own declaration.
computed_rank := max({table_rank} | {rank[e.risk] | some e in escalations})

default forced_rank := 0

forced_rank := 2 if forced_high

risk_rank := max({computed_rank, declared_rank, forced_rank})

forced_high if manual_review_reason

forced_high if not_allowlisted

forced_high if count(refresh_storm) > 0

# Parameter thresholds, configured per command type in config.escalations. A value that is not
# a number cannot be checked against its threshold, so it escalates too (fail closed).
escalations contains {"risk": e.risk, "reason": reason} if {
	some e in config.escalations[command_type]
	value := input.command.params[e.param]
	is_number(value)
	value > e.above
	reason := sprintf("%s params.%s %v is above %v: risk raised to %s.", [command_type, e.param, value, e.above, e.risk])
}

escalations contains {"risk": e.risk, "reason": reason} if {
	some e in config.escalations[command_type]
	value := input.command.params[e.param]
	not is_number(value)
	reason := sprintf("%s params.%s is not a number: risk raised to %s.", [command_type, e.param, e.risk])
}

# Types that always need a person (CONNECT_INTEGRATION): blocked with the configured reason.
manual_review_reason := config.manual_review[command_type]

# A type listed in config.allowlists may only be issued by the agents on its list; a type with
# no entry is open to every agent.
not_allowlisted if {
	allowed := config.allowlists[command_type]
	not input.agent.id in allowed
}

default agent_label := "(no agent id)"

agent_label := input.agent.id if is_string(input.agent.id)

# Token refreshes repeated within an hour are the signature of an unauthorized token-refresh
# incident. Each entry: history scope, counter, threshold key in config.refresh_storm.
# Absent counters count as 0, which never reaches a threshold (thresholds are at least 1; the
# policy tests check that).
storm_counters := {
	"service attempts": ["service", "attempts_1h", "service_attempts_1h"],
	"service denials": ["service", "denials_1h", "denials_1h"],
	"agent attempts": ["agent", "attempts_1h", "agent_attempts_1h"],
	"agent denials": ["agent", "denials_1h", "denials_1h"],
}

refresh_storm contains reason if {
	command_type == "REFRESH_TOKEN"
	some label, counter in storm_counters
	n := input.context.history[counter[0]][counter[1]]
	is_number(n)
	limit := config.refresh_storm[counter[2]]
	n >= limit
	reason := sprintf("Refresh storm: %s in the last hour (%v) reached the threshold (%v).", [label, n, limit])
}

# ---------------------------------------------------------------------------------------------
# Reasons: every source of the risk, so a reviewer sees why without reading this file.

reasons contains reason if {
	not manual_review_reason
	reason := sprintf("Command type %s is %s risk (risk table).", [command_type, config.risk_by_type[command_type]])
}

reasons contains reason if {
	reason := manual_review_reason
}

reasons contains e.reason if {
	some e in escalations
}

reasons contains reason if {
	declared_rank > computed_rank
	reason := sprintf("Declared severity %s is above the computed risk %s.", [input.command.severity, risk_names[computed_rank]])
}

reasons contains reason if {
	not_allowlisted
	reason := sprintf("Agent %s is not on the allowlist for %s.", [agent_label, command_type])
}

reasons contains reason if {
	some reason in refresh_storm
}

# ---------------------------------------------------------------------------------------------
# Alert: only blocks alert. When several findings apply, the first in this order is sent:
# refresh storm, manual review, allowlist, other HIGH risk.

default alert := null

alert := config.alerts.refresh_storm if {
	count(refresh_storm) > 0
} else := config.alerts.manual_review if {
	manual_review_reason
} else := config.alerts.not_allowlisted if {
	not_allowlisted
} else := config.alerts.high_risk if {
	risk_rank == 2
}
