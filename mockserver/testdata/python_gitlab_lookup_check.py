#!/usr/bin/python3
"""python-gitlab's documented flow for clusters, against the mock: look the project or the
group up (gl.projects.get / gl.groups.get, by id and by full path, without lazy=True), then
create, list, get, save and delete clusters through the returned object.

Usage: python_gitlab_lookup_check.py GITLAB_URL TOKEN
It never asserts: it prints a JSON summary that python_lookup_test.go checks. An unexpected
exception is recorded under "fatal" with a traceback (exit status 0).
"""

import json
import sys
import traceback

import gitlab
import gitlab.exceptions as exc

API_URL = "https://kubernetes.example.com"


def cluster_data(name, scope):
    return {"name": name, "environment_scope": scope,
            "platform_kubernetes_attributes": {"api_url": API_URL, "token": "sample-token"}}


def error_of(fn):
    try:
        fn()
    except exc.GitlabError as e:
        return {"class": type(e).__name__, "code": e.response_code, "message": str(e.error_message)}
    return {"class": None, "code": None, "message": "no error"}


def drive(owner, name):
    """The cluster life cycle through a project or group object, as the docs show it."""
    created = owner.clusters.create(cluster_data(name, name + "/*"))
    ids = [c.id for c in owner.clusters.list(all=True)]
    got = owner.clusters.get(created.id)
    got.name = name + "-renamed"
    got.save()
    again = owner.clusters.get(created.id)
    again.delete()
    after = [c.id for c in owner.clusters.list(all=True)]
    return {"created_id": created.id, "list_ids": ids, "saved_name": again.name, "after_delete_ids": after}


def main():
    url, token = sys.argv[1], sys.argv[2]
    out = {"python_gitlab_version": gitlab.__version__}
    try:
        gl = gitlab.Gitlab(url, private_token=token)
        projects = {}
        for ref in (1, "demo-group/demo"):
            p = gl.projects.get(ref)
            projects[str(ref)] = {"id": p.id, "path_with_namespace": p.path_with_namespace,
                                  "web_url": p.web_url, "namespace_id": p.namespace["id"]}
        out["projects"] = projects
        out["project_flow"] = drive(gl.projects.get("demo-group/demo"), "py-lookup")
        groups = {}
        for ref in (12, "platform"):
            g = gl.groups.get(ref)
            groups[str(ref)] = {"id": g.id, "full_path": g.full_path, "web_url": g.web_url}
        out["groups"] = groups
        out["group_flow"] = drive(gl.groups.get("platform"), "py-group-lookup")
        out["errors"] = {
            "missing project": error_of(lambda: gl.projects.get("demo-group/nope")),
            "missing group": error_of(lambda: gl.groups.get("nope")),
        }
        outsider = gitlab.Gitlab(url, private_token="outsider-token")
        out["errors"]["private project"] = error_of(lambda: outsider.projects.get(1))
        anonymous = gitlab.Gitlab(url)
        out["anonymous_public_project"] = anonymous.projects.get("demo-group/public").id
        out["errors"]["anonymous private project"] = error_of(lambda: anonymous.projects.get(1))
    except Exception:
        out["fatal"] = traceback.format_exc()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
