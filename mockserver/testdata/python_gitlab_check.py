#!/usr/bin/python3
"""Drive the mock with python-gitlab (Debian's python3-gitlab) and print a JSON summary.

Usage: python_gitlab_check.py GITLAB_URL TOKEN
       (or GLMOCK_URL / GLMOCK_TOKEN in the environment)

The GitLab URL is the root (the mock's URL, without /api/v4). TOKEN must be a Maintainer of
project 1 (demo-group/demo). The script never asserts: it records what the client saw, and
python_test.go checks it. An unexpected exception is recorded under "fatal" with a traceback,
and the exit status is still 0 so the Go test can report it.
"""

import json
import sys
import traceback
import warnings

import gitlab
import gitlab.exceptions as exc

PER_PAGE = 3
EXTRA = 7  # with the seed's cluster 18: 8 clusters, 3 pages at PER_PAGE 3
API_URL = "https://kubernetes.example.com"


def cluster_data(name, scope):
    return {
        "name": name,
        "environment_scope": scope,
        "platform_kubernetes_attributes": {"api_url": API_URL, "token": "sample-token"},
    }


def error_info(e):
    return {
        "class": type(e).__name__,
        "code": e.response_code,
        "message": e.error_message if isinstance(e.error_message, (str, dict, list)) else str(e.error_message),
    }


def expect_error(fn):
    """Call fn; return the error's class, status code and message (or what happened instead)."""
    try:
        result = fn()
    except exc.GitlabError as e:
        return error_info(e)
    except Exception as e:  # a client crash, e.g. on a malformed response
        return {"class": type(e).__name__, "code": None, "message": str(e)}
    return {"class": None, "code": None, "message": "no error; got %r" % (result,)}


def attrs(obj):
    a = obj.attributes
    keep = ("id", "name", "domain", "enabled", "managed", "environment_scope", "provider_type",
            "platform_type", "cluster_type", "namespace_per_environment", "created_at")
    out = {k: a.get(k) for k in keep}
    out["user_id"] = (a.get("user") or {}).get("id")
    out["platform_kubernetes"] = a.get("platform_kubernetes")
    out["project_id"] = (a.get("project") or {}).get("id")
    out["has_project"] = "project" in a
    return out


def main():
    url = sys.argv[1] if len(sys.argv) > 1 else None
    token = sys.argv[2] if len(sys.argv) > 2 else None
    if not url or not token:
        import os

        url = url or os.environ["GLMOCK_URL"]
        token = token or os.environ["GLMOCK_TOKEN"]

    out = {"python_gitlab_version": gitlab.__version__, "warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            run(url, token, out)
        except Exception:
            out["fatal"] = traceback.format_exc()
        out["warnings"] = [str(w.message) for w in caught]
    json.dump(out, sys.stdout, indent=1, sort_keys=True, default=str)
    sys.stdout.write("\n")


def run(url, token, out):
    gl = gitlab.Gitlab(url, private_token=token, timeout=10)

    # auth() fetches /user and warns when the user's web_url is not under the client's URL
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        gl.auth()
    out["auth"] = {"username": gl.user.username, "web_url": gl.user.web_url,
                   "warnings": [str(w.message) for w in caught]}

    project = gl.projects.get(1, lazy=True)
    clusters = project.clusters

    # create: several clusters with distinct environment scopes, so the list spans pages
    created = []
    for i in range(EXTRA):
        c = clusters.create(cluster_data("py-%d" % i, "py-env-%d/*" % i))
        created.append(c.id)
    out["created_ids"] = created
    first = clusters.get(created[0])
    out["created"] = attrs(first)

    # list: everything at once (get_all=True follows the Link header's rel="next")
    out["list_all_ids"] = [c.id for c in clusters.list(get_all=True, per_page=PER_PAGE)]

    # list: a lazy iterator, with the totals python-gitlab reads from the X-* headers
    it = clusters.list(iterator=True, per_page=PER_PAGE)
    out["iterator"] = {
        "total": it.total,
        "total_pages": it.total_pages,
        "per_page": it.per_page,
        "current_page": it.current_page,
        "next_page": it.next_page,
        "prev_page": it.prev_page,
        "ids": [c.id for c in it],
    }

    # list: one page only
    page2 = clusters.list(page=2, per_page=PER_PAGE, get_all=False)
    out["page2_ids"] = [c.id for c in page2]
    out["list_item_has_project"] = any("project" in c.attributes for c in page2)

    # list by full path: python-gitlab URL-encodes "demo-group/demo"
    by_path = gl.projects.get("demo-group/demo", lazy=True).clusters
    out["list_by_path_ids"] = [c.id for c in by_path.list(get_all=True, per_page=PER_PAGE)]

    # an empty project list is [] (project 3 has no clusters; root is an admin)
    if token != "root-token":
        root = gitlab.Gitlab(url, private_token="root-token", timeout=10)
        out["empty_list"] = [c.id for c in root.projects.get(3, lazy=True).clusters.list(get_all=True)]

    # get
    got = clusters.get(created[1])
    out["get"] = attrs(got)

    # save: a partial PUT with only the changed attribute
    got.name = "py-renamed"
    got.save()
    out["after_save_local"] = attrs(got)
    out["after_save"] = attrs(clusters.get(created[1]))

    # delete
    victim = clusters.get(created[2])
    victim.delete()
    out["deleted_id"] = created[2]
    out["get_deleted"] = expect_error(lambda: clusters.get(created[2]))
    out["list_after_delete_ids"] = [c.id for c in clusters.list(get_all=True, per_page=PER_PAGE)]

    # errors
    bad = gitlab.Gitlab(url, private_token="no-such-token", timeout=10)
    bad_ns = cluster_data("bad-ns", "bad-ns/*")
    bad_ns["platform_kubernetes_attributes"]["namespace"] = "invalid_namespace"
    no_url = cluster_data("no-url", "no-url/*")
    no_url["platform_kubernetes_attributes"]["api_url"] = ""
    out["errors"] = {
        "get_missing": expect_error(lambda: clusters.get(9999)),
        "get_other_project": expect_error(lambda: clusters.get(19)),
        "get_missing_project": expect_error(lambda: gl.projects.get(999, lazy=True).clusters.get(18)),
        "list_bad_token": expect_error(lambda: bad.projects.get(1, lazy=True).clusters.list(get_all=True)),
        "get_bad_token": expect_error(lambda: bad.projects.get(1, lazy=True).clusters.get(18)),
        "create_duplicate_scope": expect_error(lambda: clusters.create(cluster_data("dup", "*"))),
        "create_bad_namespace": expect_error(lambda: clusters.create(bad_ns)),
        "create_empty_api_url": expect_error(lambda: clusters.create(no_url)),
        "delete_missing": expect_error(lambda: clusters.delete(9999)),
    }
    dev = gitlab.Gitlab(url, private_token="developer-token", timeout=10)
    out["errors"]["create_developer"] = expect_error(
        lambda: dev.projects.get(1, lazy=True).clusters.create(cluster_data("dev", "dev/*")))
    blank = clusters.get(18)
    blank.name = " "
    out["errors"]["save_blank_name"] = expect_error(blank.save)


if __name__ == "__main__":
    main()
