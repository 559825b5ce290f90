"""Seeds two workspaces for the API fuzz run and prints the principals and ids as JSON.

Workspace A (the bootstrap key): a site, doors, a member with a cloud key, a guest link, a
client session for the member. Workspace B (its own admin key, made by the CLI): a site and a
door. Standard library only.
"""

import json
import sys
import urllib.request
from datetime import datetime, timedelta, timezone


def post(url, key, path, body):
    req = urllib.request.Request(
        url + path,
        data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + key, "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.loads(r.read())


def ids_in(value, out):
    """Every string value of a field named *_id or *_ids."""
    if isinstance(value, dict):
        for k, v in value.items():
            if k.endswith("_id") and isinstance(v, str):
                out.add(v)
            elif k.endswith("_ids") and isinstance(v, list):
                out.update(x for x in v if isinstance(x, str))
            else:
                ids_in(v, out)
    elif isinstance(value, list):
        for v in value:
            ids_in(v, out)


def workspace(url, key, with_member):
    seen = set()
    site = post(url, key, "/acs/systems/create", {"name": "Fuzz site", "time_zone": "Europe/Berlin"})
    ids_in(site, seen)
    site_id = site["acs_system"]["acs_system_id"]
    doors = []
    for name in ("Main", "Side"):
        d = post(url, key, "/acs/entrances/create", {"acs_system_id": site_id, "display_name": name})
        ids_in(d, seen)
        doors.append(d["acs_entrance"]["acs_entrance_id"])
    out = {"ids": seen}
    if with_member:
        u = post(url, key, "/user_identities/create", {"full_name": "Fuzz member", "user_identity_key": "fuzz-member"})
        ids_in(u, seen)
        user = u["user_identity"]["user_identity_id"]
        g = post(url, key, "/access_grants/create", {
            "user_identity_id": user, "acs_entrance_ids": doors,
            "requested_access_methods": [{"mode": "cloud_key"}], "access_grant_key": "fuzz-grant"})
        ids_in(g, seen)
        ends = (datetime.now(timezone.utc) + timedelta(days=2)).isoformat()
        link = post(url, key, "/guest_links/create", {
            "user_identity_id": user, "acs_entrance_ids": doors, "description": "Fuzz guest", "ends_at": ends})
        ids_in(link, seen)
        s = post(url, key, "/client_sessions/create", {"user_identity_id": user})
        ids_in(s, seen)
        out["member_token"] = s["client_session"]["token"]
        m = post(url, key, "/access_methods/unlock_door", {
            "access_method_id": g["access_grant"]["access_method_ids"][0], "acs_entrance_id": doors[0]})
        ids_in(m, seen)
        ev = post(url, key, "/events/list", {"limit": 50})
        ids_in(ev, seen)
        k = post(url, key, "/api_keys/list", {})
        ids_in(k, seen)
    # The workspace id itself is no secret to its members, but must never reach the other side.
    seen.discard(None)
    out["ids"] = sorted(seen)
    return out


def main():
    url, key_a, key_b = sys.argv[1:4]
    a = workspace(url, key_a, True)
    b = workspace(url, key_b, False)
    print(json.dumps({"a_ids": a["ids"], "b_ids": b["ids"], "a_member": a["member_token"]}))


if __name__ == "__main__":
    main()
