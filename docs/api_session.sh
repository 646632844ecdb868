#!/usr/bin/env bash
# The session of docs/api.md, runnable: ssp.aalborg registers a (fictitious) 16-year-old,
# opens a Knock Knock Aalborg case, adds Forebyggelse Aalborg and Familiegrupperne, shares
# an entry, logs a knock visit, adds an action and completes it.
#
#   TOKEN=$(SAMRAAD_ENV_FILE=config/dev.env .venv/bin/python manage.py \
#           drf_create_token ssp.aalborg | awk '{print $3}')
#   BASE=http://127.0.0.1:8000 TOKEN=$TOKEN docs/api_session.sh
#
# Needs curl, jq and GNU date. Each run registers a new demo citizen and opens a new case:
# run it against the demo database only, never against real data.
set -euo pipefail

: "${BASE:?set BASE, e.g. http://127.0.0.1:8000}"
: "${TOKEN:?set TOKEN (manage.py drf_create_token ssp.aalborg)}"
API="$BASE/api/v1"

# call EXPECTED METHOD URL [JSON]: prints "METHOD URL -> status" and the body, cut at 300
# characters, to stderr, and the whole body on stdout for jq; exits 1 when the status is
# not EXPECTED.
call() {
    local expected=$1 method=$2 url=$3 body=${4:-} out status
    out=$(mktemp)
    status=$(curl -sS -o "$out" -w '%{http_code}' -X "$method" \
        -H "Authorization: Token $TOKEN" -H 'Content-Type: application/json' \
        ${body:+--data "$body"} "$url")
    echo "$method ${url#"$BASE"} -> $status" >&2
    jq -r 'tojson | if length > 300 then .[:300] + " ..." else . end' "$out" >&2 2>/dev/null \
        || cat "$out" >&2
    if [[ $status != "$expected" ]]; then
        echo "expected $expected" >&2
        rm -f "$out"
        exit 1
    fi
    cat "$out"
    rm -f "$out"
}

# 1. Who am I, and through which unit?
me=$(call 200 GET "$API/me/")
me_id=$(jq -r .id <<<"$me")
ssp_unit=$(jq -r '.units[] | select(.name == "SSP Aalborg") | .id' <<<"$me")

# 2. The forum and the units to bring in (directories: no personal data, not audited).
forum=$(call 200 GET "$API/forums/" | jq -c '.results[] | select(.name == "Knock Knock Aalborg")')
forum_id=$(jq -r .id <<<"$forum")
basis=$(jq -r .default_legal_basis <<<"$forum")
units=$(call 200 GET "$API/units/?page_size=500")
unit_id() { jq -r --arg n "$1" '.results[] | select(.name == $n) | .id' <<<"$units"; }
police=$(unit_id "Forebyggelse Aalborg")
family=$(unit_id "Familiegrupperne")

# 3. Register the citizen. A clearly fictitious CPR number: born 16 years and 100 days ago,
# sequence part 8NNN (as tests/conftest.py::fresh_cpr makes them). It travels in the body.
# The answer is a handle (opaque, for this user, for 24 hours) and the CPR register's name
# to confirm; the same answer whether or not Samraad already knows the number (no 409).
# (first_name/last_name count only where no CPR register is configured.)
cpr="$(date -d '-16 years -100 days' +%d%m%y)-8$(printf %03d $((RANDOM % 1000)))"
person=$(jq -nc --arg cpr "$cpr" '{cpr: $cpr, first_name: "Mikkel", last_name: "Jensen"}')
citizen=$(call 200 POST "$API/citizens/" "$person")
handle=$(jq -r .handle <<<"$citizen")
echo "The CPR register names them: $(jq -r .name <<<"$citizen")" >&2
call 200 POST "$API/citizens/" "$person" >/dev/null   # the same number again: the same answer
# Looking up by CPR number gives a handle too (the name only with a case one can see).
call 200 POST "$API/citizens/lookup/" "$(jq -nc --arg cpr "$cpr" '{cpr: $cpr}')" >/dev/null

# 4. Open the case with the handle (the caller's unit becomes the lead participant).
case_id=$(call 201 POST "$API/cases/" "$(jq -nc --arg c "$handle" \
    --argjson f "$forum_id" --argjson u "$ssp_unit" \
    '{citizen: $c, forum: $f, lead_unit: $u, track: "15-17"}')" | jq -r .id)
CASE="$API/cases/$case_id"

# 5. Bring in the police's prevention unit and the family services.
for unit in "$police" "$family"; do
    call 201 POST "$CASE/participants/" "$(jq -nc --argjson u "$unit" --arg b "$basis" \
        '{unit: $u, role: "participant", legal_basis: $b,
          categories: ["general", "social", "police"]}')" >/dev/null
done
call 200 GET "$CASE/participants/" >/dev/null

# 6. Share an entry with all participants (empty audience).
call 201 POST "$CASE/entries/" "$(jq -nc --arg b "$basis" \
    '{category: "general", legal_basis: $b, justification: "Koordinering af besøg",
      audience: [], text: "Aftalt banke-på-besøg torsdag."}')" >/dev/null

# 7. Log the knock visit of an hour ago.
call 201 POST "$CASE/contacts/" "$(jq -nc --arg t "$(date -Iseconds -d '-1 hour')" \
    '{kind: "knock_visit", result: "not_home", occurred_at: $t, note: "Ingen hjemme"}')" \
    >/dev/null

# 8. A follow-up action for oneself in three days, then done.
action_id=$(call 201 POST "$CASE/actions/" "$(jq -nc --argjson r "$me_id" \
    --arg d "$(date -Iseconds -d '+3 days')" '{title: "Nyt besøg", responsible: $r, due_at: $d}')" \
    | jq -r .id)
call 200 POST "$API/actions/$action_id/complete/" '{"note": "Besøg aftalt"}' >/dev/null

# 9. The case as it stands; and a name in the URL is refused.
call 200 GET "$CASE/" >/dev/null
call 400 GET "$API/cases/?q=Jensen" >/dev/null

echo "OK: case $case_id for $(jq -r .name <<<"$citizen")" >&2
