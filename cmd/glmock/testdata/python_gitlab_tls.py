#!/usr/bin/python3
"""List project 1's clusters with python-gitlab over https, trusting only the CA file given.

Usage: python_gitlab_tls.py GITLAB_URL TOKEN CA_FILE

Prints a JSON summary ({"python_gitlab_version", "ids", "web_urls"} or {"error"}) for
tls_test.go to check; the exit status is 0 either way.
"""

import json
import sys

import gitlab


def main():
    url, token, ca = sys.argv[1:4]
    out = {"python_gitlab_version": gitlab.__version__}
    try:
        gl = gitlab.Gitlab(url, private_token=token, ssl_verify=ca)
        project = gl.projects.get(1, lazy=True)
        clusters = project.clusters.list(get_all=True)
        out["ids"] = [c.id for c in clusters]
        out["web_urls"] = [project.clusters.get(c.id).attributes["project"]["web_url"] for c in clusters]
    except Exception as e:  # recorded for the Go test, which fails on it
        out["error"] = "%s: %s" % (type(e).__name__, e)
    print(json.dumps(out))


main()
