package eval

import (
	"strings"
	"sync"
)

// defaultTable is the built-in schema: the ECS fields that network,
// process, file and authentication rules query most, with their ECS 9.x
// types. Each line is a type name followed by the fields of that type.
// Every ECS field of type ip is here. "labels" is listed as flattened
// because ECS maps every key under it as a keyword.
const defaultTable = `boolean file.code_signature.trusted process.code_signature.exists process.code_signature.trusted
	process.interactive process.parent.code_signature.trusted tls.established
date @timestamp event.created event.end event.ingested event.start file.created file.mtime
	process.end process.start
float event.risk_score event.risk_score_norm
geo_point destination.geo.location source.geo.location
ip client.ip client.nat.ip destination.ip destination.nat.ip dns.resolved_ip host.ip
	host.target.ip network.forwarded_ip observer.ip orchestrator.resource.ip
	process.entry_leader.entry_meta.source.ip related.ip server.ip server.nat.ip source.ip
	source.nat.ip threat.enrichments.indicator.ip threat.indicator.ip
keyword agent.id agent.name agent.type agent.version client.address client.domain
	client.geo.country_iso_code client.mac client.user.name cloud.account.id cloud.provider
	cloud.region container.id container.image.name container.name destination.address
	destination.as.organization.name destination.domain destination.geo.city_name
	destination.geo.country_iso_code destination.geo.country_name destination.mac
	destination.registered_domain destination.subdomain destination.top_level_domain
	destination.user.name dns.answers.data dns.answers.name dns.answers.type dns.header_flags
	dns.id dns.op_code dns.question.class dns.question.name dns.question.registered_domain
	dns.question.subdomain dns.question.top_level_domain dns.question.type dns.response_code
	dns.type ecs.version event.action event.agent_id_status event.category event.code event.dataset
	event.hash event.id event.kind event.module event.original event.outcome event.provider
	event.reason event.reference event.timezone event.type event.url
	file.code_signature.subject_name file.directory file.extension file.hash.md5 file.hash.sha1
	file.hash.sha256 file.hash.sha512 file.mime_type file.name file.owner file.path
	file.pe.original_file_name file.target_path file.type group.id group.name host.architecture
	host.domain host.hostname host.id host.mac host.name host.os.family host.os.kernel host.os.name
	host.os.platform host.os.type host.os.version host.type http.request.method
	http.request.mime_type http.request.referrer http.version log.file.path log.level log.logger
	network.application network.community_id network.direction network.iana_number network.name
	network.protocol network.transport network.type network.vlan.id network.vlan.name
	observer.egress.interface.name observer.egress.zone observer.hostname
	observer.ingress.interface.name observer.ingress.zone observer.name observer.product
	observer.type observer.vendor process.args process.code_signature.status
	process.code_signature.subject_name process.entity_id process.executable process.hash.md5
	process.hash.sha1 process.hash.sha256 process.name process.parent.args
	process.parent.code_signature.subject_name process.parent.entity_id process.parent.executable
	process.parent.name process.parent.pe.original_file_name process.pe.imphash
	process.pe.original_file_name process.title process.user.id process.user.name
	process.working_directory registry.data.type registry.hive registry.key registry.path
	registry.value related.hash related.hosts related.user rule.category rule.id rule.name
	server.address server.domain server.geo.country_iso_code server.mac server.user.name
	service.name service.type source.address source.as.organization.name source.domain
	source.geo.city_name source.geo.country_iso_code source.geo.country_name source.mac
	source.registered_domain source.subdomain source.top_level_domain source.user.domain
	source.user.id source.user.name tags threat.feed.name threat.indicator.file.hash.sha256
	threat.indicator.type tls.cipher tls.client.ja3 tls.client.server_name tls.server.issuer
	tls.server.ja3s tls.server.subject tls.version tls.version_protocol url.domain url.extension
	url.query url.scheme user.changes.name user.domain user.effective.name user.email
	user.full_name user.id user.name user.roles user.target.name user_agent.name
	user_agent.original
long client.bytes client.nat.port client.packets client.port destination.as.number
	destination.bytes destination.nat.port destination.packets destination.port event.duration
	event.sequence event.severity file.size http.request.body.bytes http.request.bytes
	http.response.body.bytes http.response.bytes http.response.status_code network.bytes
	network.packets process.args_count process.exit_code process.parent.args_count
	process.parent.pid process.pid process.thread.id server.bytes server.nat.port server.packets
	server.port source.as.number source.bytes source.nat.port source.packets source.port url.port
match_only_text destination.as.organization.name.text error.message file.path.text
	file.target_path.text host.os.name.text message process.command_line.text
	process.executable.text process.name.text process.parent.command_line.text
	process.parent.executable.text process.parent.name.text process.title.text
	process.working_directory.text source.as.organization.name.text url.full.text url.original.text
	user.full_name.text user.name.text user_agent.original.text
nested threat.enrichments
flattened labels
object network.inner
wildcard process.command_line process.parent.command_line registry.data.strings
	threat.indicator.url.full url.full url.original url.path
`

var defaultSchema = sync.OnceValue(func() Schema {
	s := Schema{}
	typ := Unknown
	for _, line := range strings.Split(defaultTable, "\n") {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		if !strings.HasPrefix(line, "\t") {
			t, ok := ParseType(fields[0])
			if !ok {
				panic("eval: bad type in the default schema: " + fields[0])
			}
			typ, fields = t, fields[1:]
		}
		for _, f := range fields {
			s[f] = typ
		}
	}
	return s
})

// DefaultSchema returns the built-in schema used when [Compile] has no
// [WithSchema] option: the ECS fields network, process, file and
// authentication rules use most (every ECS ip field; ports, byte and
// packet counts; network.*; event.*; source.*, destination.*, client.*,
// server.* basics; process.*, user.*, host.*, file.*, dns.*, url.* basics;
// @timestamp; and the .text multi-fields such as process.command_line.text).
// The caller gets a fresh copy it may change.
func DefaultSchema() Schema {
	s := make(Schema, len(defaultSchema()))
	for k, v := range defaultSchema() {
		s[k] = v
	}
	return s
}
