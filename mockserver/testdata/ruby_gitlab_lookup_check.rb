#!/usr/bin/ruby
# The Ruby gem's (Debian ruby-gitlab) documented usage against the mock: Gitlab.client, then
# project / group by id and by full path, then the project's clusters (project_clusters,
# add_project_cluster, project_cluster, edit_project_cluster, delete_project_cluster) with
# the id the lookup returned. It never asserts: it prints a JSON summary that
# ruby_lookup_test.go checks; an unexpected exception goes under "fatal".
#
# Usage: ruby_gitlab_lookup_check.rb GITLAB_URL TOKEN
require 'json'
require 'gitlab'

url, token = ARGV
out = { 'gem_version' => Gitlab::VERSION }

def error_of
  yield
  { 'class' => nil, 'code' => nil }
rescue Gitlab::Error::ResponseError => e
  { 'class' => e.class.name, 'code' => e.response_status, 'message' => e.message }
end

begin
  gl = Gitlab.client(endpoint: url + '/api/v4', private_token: token)
  out['projects'] = {}
  [1, 'demo-group/demo'].each do |ref|
    p = gl.project(ref)
    out['projects'][ref.to_s] = { 'id' => p.id, 'path_with_namespace' => p.path_with_namespace, 'web_url' => p.web_url }
  end
  out['groups'] = {}
  [12, 'platform'].each do |ref|
    g = gl.group(ref)
    out['groups'][ref.to_s] = { 'id' => g.id, 'full_path' => g.full_path, 'web_url' => g.web_url }
  end
  pid = gl.project('demo-group/demo').id
  created = gl.add_project_cluster(pid, 'rb-lookup', platform_kubernetes_attributes: { api_url: 'https://kubernetes.example.com', token: 't' }, environment_scope: 'rb/*')
  out['list_ids'] = gl.project_clusters(pid).map(&:id)
  gl.edit_project_cluster(pid, created.id, name: 'rb-renamed')
  out['saved_name'] = gl.project_cluster(pid, created.id).name
  gl.delete_project_cluster(pid, created.id)
  out['after_delete_ids'] = gl.project_clusters(pid).map(&:id)
  out['errors'] = {
    'missing project' => error_of { gl.project('demo-group/nope') },
    'missing group' => error_of { gl.group('nope') },
    'private project' => error_of { Gitlab.client(endpoint: url + '/api/v4', private_token: 'outsider-token').project(1) }
  }
rescue StandardError => e
  out['fatal'] = "#{e.class}: #{e.message}\n#{e.backtrace.join("\n")}"
end
puts JSON.generate(out)
