"""Write the shipped IPIP-NEO-300 bank from PsyBORGS's admin session.

    python scripts/import_ipip_neo300.py prod_run_01_external_rating.json \
        > src/valuescope/instruments/data/ipip_neo300.yaml

The input is `admin_sessions/prod_run_01_external_rating.json` of
google-deepmind/personality_in_llms (Apache-2.0; Serapio-Garcia et al., Nature Machine
Intelligence 2025): the items as that study administered them (first person, no final
period), each domain's item ids and its reverse-keyed ids. The IPIP items themselves are in
the public domain (ipip.ori.org). Items are written in the admin session's order.
"""

from __future__ import annotations

import json
import sys

DOMAINS = {
    "IPIP300-OPE": "openness",
    "IPIP300-CON": "conscientiousness",
    "IPIP300-EXT": "extraversion",
    "IPIP300-AGR": "agreeableness",
    "IPIP300-NEU": "neuroticism",
}
HEADER = """\
# IPIP-NEO-300 (Goldberg 1999; Goldberg et al. 2006), the 300-item public-domain inventory of
# the International Personality Item Pool that PsyBORGS administered (Serapio-Garcia et al.,
# Nature Machine Intelligence 2025). Items, domains and reverse keys as in that study's
# admin session (google-deepmind/personality_in_llms, admin_sessions/
# prod_run_01_external_rating.json, Apache-2.0), written by scripts/import_ipip_neo300.py.
# The IPIP items are in the public domain (https://ipip.ori.org). Scored per domain (60 items
# each; the 30 facets are not separate dimensions here). The response scale is IPIP's own
# 5-point accuracy scale.
id: ipip_neo300
framework: bigfive
description: >-
  IPIP-NEO-300: 300 public-domain IPIP items, 60 per Big Five domain, as administered by
  PsyBORGS (Serapio-Garcia et al. 2025); IPIP's 5-point accuracy scale. Source: Goldberg et
  al. 2006, Journal of Research in Personality 40:84-96 (ipip.ori.org).
scale:
  points: 5
  stem: "How accurately does the statement describe you?"
  anchors:
    - Very inaccurate
    - Moderately inaccurate
    - Neither accurate nor inaccurate
    - Moderately accurate
    - Very accurate
items:
"""


def main(path: str) -> None:
    with open(path, encoding="utf-8") as handle:
        session = json.load(handle)
    measure = session["measures"]["IPIP300"]
    domain_of: dict[str, tuple[str, int]] = {}
    for scale_id, dimension in DOMAINS.items():
        scale = measure["scales"][scale_id]
        reverse = set(scale["reverse_keyed_item_ids"])
        for item_id in scale["item_ids"]:
            domain_of[item_id] = (dimension, -1 if item_id in reverse else 1)
    out = [HEADER]
    for item_id, text in measure["items"].items():
        dimension, polarity = domain_of[item_id]
        out.append(
            f"  - {{id: {item_id}, dimension: {dimension}, polarity: {polarity}, "
            f"text: {json.dumps(text)}}}\n"
        )
    sys.stdout.write("".join(out))


if __name__ == "__main__":
    main(sys.argv[1])
