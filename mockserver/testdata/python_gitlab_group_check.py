#!/usr/bin/python3
"""Drive the mock's group clusters with python-gitlab and print a JSON summary.

Usage: python_gitlab_group_check.py GITLAB_URL TOKEN

TOKEN must be a Maintainer of group 12 (platform). The script never asserts: it records what
the client saw, and python_group_test.go checks it. An unexpected exception is recorded under
"fatal" with a traceback, and the exit status is still 0 so the Go test can report it.
"""

import json
import sys
import traceback

import gitlab
import gitlab.exceptions as exc

API_URL = "https://kubernetes.example.com"
EXTRA = 4  # with the seed's cluster 16: 5 group clusters, 3 pages at per_page 2


def expect_error(fn):
    try:
        result = fn()
    except exc.GitlabError as e:
        msg = e.error_message if isinstance(e.error_message, (str, dict, list)) else str(e.error_message)
        return {"class": type(e).__name__, "code": e.response_code, "message": msg}
    except Exception as e:  # a client crash
        return {"class": type(e).__name__, "code": None, "message": str(e)}
    return {"class": None, "code": None, "message": "no error; got %r" % (result,)}


def attrs(obj):
    a = obj.attributes
    out = {k: a.get(k) for k in ("id", "name", "enabled", "managed", "environment_scope", "cluster_type", "domain")}
    out["group"] = a.get("group")
    out["has_token"] = "token" in json.dumps(a.get("platform_kubernetes"))
    return out


def main():
    url, token = sys.argv[1], sys.argv[2]
    out = {"python_gitlab_version": gitlab.__version__}
    try:
        gl = gitlab.Gitlab(url, private_token=token, timeout=10)
        group = gl.groups.get(12, lazy=True)
        created = []
        for i in range(EXTRA):
            c = group.clusters.create({
                "name": "py-group-%d" % i,
                "environment_scope": "py-group-%d/*" % i,
                "platform_kubernetes_attributes": {"api_url": API_URL, "token": "sample-token"},
            })
            created.append(c.id)
        out["created_ids"] = created
        out["created"] = attrs(group.clusters.get(created[0]))
        out["list_all_ids"] = [c.id for c in group.clusters.list(get_all=True)]
        out["list_by_path_ids"] = [c.id for c in gl.groups.get("platform", lazy=True).clusters.list(get_all=True)]
        it = group.clusters.list(iterator=True, per_page=2)
        out["iterator"] = {"total": it.total, "total_pages": it.total_pages, "per_page": it.per_page,
                           "ids": [c.id for c in it]}
        out["page2_ids"] = [c.id for c in group.clusters.list(page=2, per_page=2)]
        out["get"] = attrs(group.clusters.get(16))
        c = group.clusters.get(created[1])
        c.name = "py-group-renamed"
        c.domain = "renamed.example.com"
        c.save()
        out["after_save"] = attrs(group.clusters.get(created[1]))
        group.clusters.delete(created[2])
        out["deleted_id"] = created[2]
        out["get_deleted"] = expect_error(lambda: group.clusters.get(created[2]))
        out["list_after_delete_ids"] = [c.id for c in group.clusters.list(get_all=True)]
        out["errors"] = {
            "project_cluster_through_group": expect_error(lambda: group.clusters.get(18)),
            "namespace_on_group_cluster": expect_error(lambda: group.clusters.create({
                "name": "py-ns", "environment_scope": "py-ns/*",
                "platform_kubernetes_attributes": {"api_url": API_URL, "token": "t", "namespace": "ns"}})),
            "unknown_group": expect_error(lambda: gl.groups.get(999, lazy=True).clusters.list()),
        }
    except Exception:
        out["fatal"] = traceback.format_exc()
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
