"""The simulated EC2 world: VPCs, subnets, route tables, security groups (and their rules),
internet gateways, VPC endpoints and their network interfaces, tags, and the static catalogue
(availability zones, endpoint services, AWS-managed prefix lists).

Every operation of the model is a method `op_<Action>(p)` taking the parsed input (a dict keyed
by the model's member names, see model.Model.parse_input) and returning the output dict (keyed
by the output shape's member names), or raising model.EC2Error.

Resources are stored as dicts keyed by the model's member names (so they serialize directly),
plus private bookkeeping fields whose names start with "_" (creation time, sequence number,
...). Views returned to clients drop the "_" fields and add tags and computed fields.

All public entry points are serialized by one re-entrant lock (self.lock): EC2 semantics are
simple to get right that way and the simulator is never the bottleneck of a test.
"""

import base64
import copy
import fnmatch
import hashlib
import ipaddress
import json
import threading
import time

from model import EC2Error, invalid_value, format_time

GATEWAY_POLICY = ('{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":"*",'
                  '"Action":"*","Resource":"*"}]}')
INTERFACE_POLICY = ('{\n  "Statement": [\n    {\n      "Action": "*", \n      "Effect": "Allow", \n'
                    '      "Principal": "*", \n      "Resource": "*"\n    }\n  ]\n}')

# Interface services: short name -> (private DNS name pattern or None, policy supported).
# "{r}" is the region. The base (vpce) DNS name is derived from the service name.
INTERFACE_SERVICES = {
    "s3": ("*.s3.{r}.amazonaws.com", True),
    "ssm": ("ssm.{r}.amazonaws.com", True),
    "ssmmessages": ("ssmmessages.{r}.amazonaws.com", False),
    "ec2messages": ("ec2messages.{r}.amazonaws.com", False),
    "ec2": ("ec2.{r}.amazonaws.com", True),
    "kms": ("kms.{r}.amazonaws.com", True),
    "logs": ("logs.{r}.amazonaws.com", True),
    "sts": ("sts.{r}.amazonaws.com", True),
    "secretsmanager": ("secretsmanager.{r}.amazonaws.com", True),
    "ecr.api": ("api.ecr.{r}.amazonaws.com", True),
    "ecr.dkr": ("*.dkr.ecr.{r}.amazonaws.com", True),
    "monitoring": ("monitoring.{r}.amazonaws.com", True),
    "sqs": ("sqs.{r}.amazonaws.com", True),
    "sns": ("sns.{r}.amazonaws.com", True),
    "lambda": ("lambda.{r}.amazonaws.com", True),
    "elasticloadbalancing": ("elasticloadbalancing.{r}.amazonaws.com", True),
    "execute-api": ("*.execute-api.{r}.amazonaws.com", True),
    "ecs": ("ecs.{r}.amazonaws.com", True),
    "ecs-agent": ("ecs-a.{r}.amazonaws.com", True),
    "ecs-telemetry": ("ecs-t.{r}.amazonaws.com", True),
    "events": ("events.{r}.amazonaws.com", True),
    "states": ("states.{r}.amazonaws.com", True),
    "kinesis-streams": ("kinesis.{r}.amazonaws.com", True),
    "elasticfilesystem": ("elasticfilesystem.{r}.amazonaws.com", True),
    "autoscaling": ("autoscaling.{r}.amazonaws.com", True),
    "cloudformation": ("cloudformation.{r}.amazonaws.com", True),
    "rds": ("rds.{r}.amazonaws.com", True),
    "glue": ("glue.{r}.amazonaws.com", True),
    "athena": ("athena.{r}.amazonaws.com", True),
    "codebuild": ("codebuild.{r}.amazonaws.com", True),
}
GATEWAY_SERVICES = ("s3", "dynamodb")

# AWS-managed prefix lists of the gateway services (us-east-1 ids; other regions get ids
# derived from a hash). The CIDRs are a representative excerpt, the same in every region.
PREFIX_LISTS = {
    "s3": ("pl-63a5400a", ["3.5.0.0/19", "16.15.176.0/20", "16.182.0.0/16", "18.34.0.0/19",
                           "18.34.232.0/21", "52.216.0.0/15", "54.231.0.0/16"]),
    "dynamodb": ("pl-02cd2c6b", ["3.218.180.0/22", "35.71.64.0/22", "52.94.0.0/22",
                                 "52.119.224.0/20"]),
}

# Id prefix -> (collection attribute, NotFound code, noun used in the message)
ID_KINDS = {
    "vpc": ("vpcs", "InvalidVpcID.NotFound", "vpc ID"),
    "subnet": ("subnets", "InvalidSubnetID.NotFound", "subnet ID"),
    "rtb": ("route_tables", "InvalidRouteTableID.NotFound", "routeTable ID"),
    "sg": ("security_groups", "InvalidGroup.NotFound", "security group"),
    "sgr": ("sg_rules", "InvalidSecurityGroupRuleId.NotFound", "security group rule ID"),
    "igw": ("igws", "InvalidInternetGatewayID.NotFound", "internetGateway ID"),
    "vpce": ("endpoints", "InvalidVpcEndpointId.NotFound", "VpcEndpoint Id"),
    "eni": ("enis", "InvalidNetworkInterfaceID.NotFound", "networkInterface ID"),
    "acl": ("nacls", "InvalidNetworkAclID.NotFound", "network ACL"),
}
COLLECTIONS = ["vpcs", "subnets", "route_tables", "security_groups", "sg_rules", "igws",
               "endpoints", "enis", "nacls"]

# Which Create* may carry which TagSpecification ResourceType
TAG_TYPES = {
    "CreateVpc": "vpc", "CreateSubnet": "subnet", "CreateRouteTable": "route-table",
    "CreateSecurityGroup": "security-group", "CreateInternetGateway": "internet-gateway",
    "CreateVpcEndpoint": "vpc-endpoint", "AuthorizeSecurityGroupIngress": "security-group-rule",
    "AuthorizeSecurityGroupEgress": "security-group-rule", "CreateNetworkAcl": "network-acl",
}

# MaxResults bounds the model does not carry but EC2 enforces
EXTRA_MAX_RESULTS = {"DescribeVpcEndpoints": (5, 1000), "DescribeVpcEndpointServices": (5, 1000),
                     "DescribePrefixLists": (5, 1000)}
# Describe actions where EC2 refuses ids together with MaxResults
IDS_WITH_MAXRESULTS_REJECTED = {"DescribeVpcs": "vpcIds", "DescribeSubnets": "subnetIds",
                                "DescribeSecurityGroups": "groupIds",
                                "DescribeRouteTables": "routeTableIds",
                                "DescribeInternetGateways": "internetGatewayIds",
                                "DescribeNetworkInterfaces": "networkInterfaceIds"}

PROTO_NAMES = {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6", "all": "-1"}


def region_abbrev(region):
    words = {"north": "n", "south": "s", "east": "e", "west": "w", "central": "c",
             "northeast": "ne", "northwest": "nw", "southeast": "se", "southwest": "sw"}
    parts = region.split("-")
    if len(parts) < 3:
        return region.replace("-", "")
    return parts[0] + "".join(words.get(p, p[:1]) for p in parts[1:-1]) + parts[-1]


def parse_cidr(value, param, v6=False):
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise invalid_value(value, param, "This is not a valid CIDR block.") from None
    if (net.version == 6) != v6 or "/" not in value:
        raise invalid_value(value, param, "This is not a valid CIDR block.")
    return net


class World:
    def __init__(self, region="us-east-1", account="123456789012", rng=None, cfg=None):
        import random
        self.region = region
        self.account = account
        self.rng = rng or random.Random()
        # cfg: any object with pending_ms, consistency_delay_ms, deleted_linger_ms (read live)
        self.cfg = cfg
        self.lock = threading.RLock()
        self.az_names = [region + s for s in "abc"]
        ab = region_abbrev(region)
        self.az_ids = {region + "a": ab + "-az1", region + "b": ab + "-az2", region + "c": ab + "-az4"}
        self.prefix_lists = {}
        for svc, (plid, cidrs) in PREFIX_LISTS.items():
            if region != "us-east-1":
                plid = "pl-" + hashlib.sha256((region + svc).encode()).hexdigest()[:8]
            self.prefix_lists[plid] = {"PrefixListId": plid,
                                       "PrefixListName": "com.amazonaws.%s.%s" % (region, svc),
                                       "Cidrs": list(cidrs)}
        self.pl_by_service = {p["PrefixListName"]: k for k, p in self.prefix_lists.items()}
        self.services = self._build_services()
        self.reset()

    # ------------------------------------------------------------------ state
    def reset(self):
        with self.lock:
            for c in COLLECTIONS:
                setattr(self, c, {})
            self.tags = {}
            self.idem = {}
            self.seq = 0
            self.az_rr = 0

    def dump_state(self):
        """Everything needed to restore the world (JSON-able, private fields included)."""
        with self.lock:
            d = {c: getattr(self, c) for c in COLLECTIONS}
            d.update(tags=self.tags, idem=self.idem, seq=self.seq, az_rr=self.az_rr,
                     region=self.region, account=self.account)
            return json.loads(json.dumps(d))

    def load_state(self, d):
        with self.lock:
            self.reset()
            for c in COLLECTIONS:
                setattr(self, c, d.get(c, {}))
            self.tags = d.get("tags", {})
            self.idem = d.get("idem", {})
            self.seq = d.get("seq", 0)
            self.az_rr = d.get("az_rr", 0)

    def world_json(self):
        """Client-visible view of everything (control endpoint GET /_sim/world)."""
        with self.lock:
            self._advance()
            return json.loads(json.dumps({
                "region": self.region, "account_id": self.account,
                "vpcs": [self._view_vpc(v) for v in self._sorted(self.vpcs)],
                "subnets": [self._view_subnet(s) for s in self._sorted(self.subnets)],
                "route_tables": [self._view_rtb(r) for r in self._sorted(self.route_tables)],
                "security_groups": [dict(self._view_sg(g), Rules=[self._view_rule(r) for r in
                                    self._rules_of(g["GroupId"])])
                                    for g in self._sorted(self.security_groups)],
                "internet_gateways": [self._view_igw(i) for i in self._sorted(self.igws)],
                "vpc_endpoints": [self._view_ep(e) for e in self._sorted(self.endpoints)],
                "network_interfaces": [self._view_eni(e) for e in self._sorted(self.enis)],
                "network_acls": [self._view_nacl(a) for a in self._sorted(self.nacls)],
                "tags": self.tags,
            }, default=str))

    # ------------------------------------------------------------------ small helpers
    def _cfg(self, name, default=0):
        return getattr(self.cfg, name, default) if self.cfg is not None else default

    def _now(self):
        return time.time()

    def new_id(self, prefix):
        while True:
            i = "%s-%017x" % (prefix, self.rng.getrandbits(68))
            if not any(i in getattr(self, c) for c in COLLECTIONS):
                return i

    def _stamp(self, res):
        self.seq += 1
        res["_seq"] = self.seq
        res["_created"] = self._now()
        return res

    @staticmethod
    def _sorted(coll):
        return sorted(coll.values(), key=lambda r: r["_seq"])

    @staticmethod
    def _public(res):
        return {k: copy.deepcopy(v) for k, v in res.items() if not k.startswith("_")}

    def _tag_list(self, rid):
        return [{"Key": k, "Value": v} for k, v in sorted(self.tags.get(rid, {}).items())]

    def _visible(self, res):
        """Eventual consistency: hidden from Describe* for consistency_delay_ms after create."""
        delay = self._cfg("consistency_delay_ms", 0) / 1000.0
        return delay <= 0 or self._now() >= res["_created"] + delay

    def _get(self, rid, kind=None, code=None):
        """Look a resource up by id (kind = id prefix expected), raising the EC2 NotFound."""
        prefix = rid.rsplit("-", 1)[0] if "-" in rid else ""
        k = kind or prefix
        coll, nf, noun = ID_KINDS[k]
        res = getattr(self, coll).get(rid) if prefix == k else None
        if res is None:
            raise EC2Error(code or nf, "The %s '%s' does not exist" % (noun, rid))
        return res

    def _not_found(self, kind, ids):
        coll, nf, noun = ID_KINDS[kind]
        if len(ids) == 1:
            return EC2Error(nf, "The %s '%s' does not exist" % (noun, ids[0]))
        return EC2Error(nf, "The %ss '%s' do not exist" % (noun, ", ".join(ids)))

    def _arn(self, kind, rid):
        return "arn:aws:ec2:%s:%s:%s/%s" % (self.region, self.account, kind, rid)

    # ------------------------------------------------------------------ tags
    def _validate_tags(self, tags, param):
        out = {}
        for i, t in enumerate(tags or [], 1):
            key = t.get("Key")
            if key is None:
                raise EC2Error("InvalidParameterValue", "Tag %d: the tag key must be specified" % i)
            val = t.get("Value", "")
            if len(key) > 128 or len(key) == 0:
                raise invalid_value(key, param + ".Key", "Tag keys must be 1-128 characters.")
            if len(val) > 256:
                raise invalid_value(val, param + ".Value", "Tag values must be at most 256 characters.")
            if key.lower().startswith("aws:"):
                raise EC2Error("InvalidParameterValue",
                               "Value (%s) for parameter key is invalid. Tag keys starting with 'aws:' "
                               "are reserved for internal use" % key)
            out[key] = val
        return out

    def _tag_specs(self, action, p):
        specs = p.get("TagSpecifications") or []
        want = TAG_TYPES.get(action)
        tags = {}
        for s in specs:
            rtype = s.get("ResourceType")
            if rtype is None:
                raise EC2Error("InvalidParameterValue",
                               "The tag specification resource type must be specified")
            if rtype != want:
                raise EC2Error("InvalidParameterValue",
                               "'%s' is not a valid taggable resource type for this operation." % rtype)
            tags.update(self._validate_tags(s.get("Tags"), "TagSpecification.Tag"))
        if len(tags) > 50:
            raise EC2Error("TagLimitExceeded", "The maximum number of Tags for a resource has been reached.")
        return tags

    def _apply_tags(self, rid, tags):
        if tags:
            self.tags.setdefault(rid, {}).update(tags)

    # ------------------------------------------------------------------ time-driven states
    def _advance(self):
        """Move endpoints through pending -> available and deleting -> deleted -> gone."""
        now = self._now()
        for ep in list(self.endpoints.values()):
            st = ep["State"]
            if st == "pending" and now >= ep.get("_busy_until", 0):
                ep["State"] = "available"
            elif st == "deleting" and now >= ep.get("_busy_until", 0):
                for eni_id in ep.get("NetworkInterfaceIds", []):
                    self.enis.pop(eni_id, None)
                ep["NetworkInterfaceIds"] = []
                linger = self._cfg("deleted_linger_ms", 0) / 1000.0
                if linger > 0:
                    ep["State"] = "deleted"
                    ep["_gone_at"] = now + linger
                else:
                    self._drop_endpoint(ep)
            elif st == "deleted" and now >= ep.get("_gone_at", 0):
                self._drop_endpoint(ep)

    def _drop_endpoint(self, ep):
        self.endpoints.pop(ep["VpcEndpointId"], None)
        self.tags.pop(ep["VpcEndpointId"], None)

    # ------------------------------------------------------------------ dispatch
    def call(self, action, p):
        with self.lock:
            self._advance()
            if p.get("DryRun"):
                raise EC2Error("DryRunOperation",
                               "Request would have succeeded, but DryRun flag is set.", 412)
            token = p.get("ClientToken")
            key = None
            if token is not None:
                if len(token) > 64:
                    raise invalid_value(token, "ClientToken", "Client tokens are at most 64 characters.")
                key = action + "|" + token
                fp = json.dumps({k: v for k, v in p.items() if k != "ClientToken"}, sort_keys=True)
                hit = self.idem.get(key)
                if hit is not None:
                    if hit["fp"] != fp:
                        raise EC2Error("IdempotentParameterMismatch",
                                       "Client token '%s' was already used with different parameters."
                                       % token)
                    return self._refresh_idem(hit["result"])
            result = getattr(self, "op_" + action)(p)
            if key is not None:
                self.idem[key] = {"fp": fp, "result": json.loads(json.dumps(result, default=str))}
            return result

    def _refresh_idem(self, result):
        """An idempotent retry returns the resource as it is now (if it still exists)."""
        result = copy.deepcopy(result)
        ep = result.get("VpcEndpoint")
        if ep and ep.get("VpcEndpointId") in self.endpoints:
            result["VpcEndpoint"] = self._view_ep(self.endpoints[ep["VpcEndpointId"]])
        rt = result.get("RouteTable")
        if rt and rt.get("RouteTableId") in self.route_tables:
            result["RouteTable"] = self._view_rtb(self.route_tables[rt["RouteTableId"]])
        return result

    # ------------------------------------------------------------------ generic Describe
    def _describe(self, action, p, resources, id_of, ids_member, kind, filters, view,
                  result_key, tags_of=None):
        """resources: stored dicts sorted by creation; id_of: stored -> id.
        filters: name -> function(stored) -> list of strings. view: stored -> output dict."""
        ids = p.get(ids_member) if ids_member else None
        visible = [r for r in resources if self._visible(r)]
        if ids and "MaxResults" in p and action in IDS_WITH_MAXRESULTS_REJECTED:
            raise EC2Error("InvalidParameterCombination",
                           "The parameter %s cannot be used with the parameter maxResults"
                           % IDS_WITH_MAXRESULTS_REJECTED[action])
        if ids:
            have = {id_of(r) for r in visible}
            missing = []
            for i in ids:
                if i not in have and i not in missing:
                    missing.append(i)
            if missing:
                raise self._not_found(kind, missing)
            wanted = set(ids)
            visible = [r for r in visible if id_of(r) in wanted]
        visible = self._apply_filters(action, p.get("Filters"), visible, filters,
                                      tags_of or (lambda r: self.tags.get(id_of(r), {})))
        page, token = self._paginate(action, p, visible)
        return {result_key: [view(r) for r in page], "NextToken": token}

    def _apply_filters(self, action, flist, items, filters, tags_of):
        for f in flist or []:
            name = f.get("Name")
            values = f.get("Values") or []
            if name is None:
                raise EC2Error("InvalidParameterValue", "The filter name must be specified")
            if name.startswith("tag:"):
                key = name[4:]
                fn = (lambda k: lambda r: [tags_of(r)[k]] if k in tags_of(r) else [])(key)
            elif name == "tag-key":
                fn = lambda r: list(tags_of(r).keys())  # noqa: E731
            elif name == "tag-value":
                fn = lambda r: list(tags_of(r).values())  # noqa: E731
            elif name in filters:
                fn = filters[name]
            elif self.model is not None and name in self.model.documented_filters(action):
                raise EC2Error("InvalidParameterValue",
                               "The filter '%s' is valid for %s but not implemented by ec2sim"
                               % (name, action))
            else:
                raise EC2Error("InvalidParameterValue", "The filter '%s' is invalid" % name)
            if not values:
                continue
            pats = [str(v) for v in values]

            def match(r, fn=fn, pats=pats):
                got = [str(x).lower() if isinstance(x, bool) else str(x) for x in fn(r)]
                return any(fnmatch.fnmatchcase(g, pat) for g in got for pat in pats)
            items = [r for r in items if match(r)]
        return items

    model = None  # set by the server so unimplemented-but-documented filters are reported

    def _paginate(self, action, p, items):
        mr = p.get("MaxResults")
        if mr is not None and action in EXTRA_MAX_RESULTS:
            lo, hi = EXTRA_MAX_RESULTS[action]
            if not lo <= mr <= hi:
                raise invalid_value(mr, "MaxResults", "It must be between %d and %d." % (lo, hi))
        start = 0
        tok = p.get("NextToken")
        if tok is not None:
            try:
                d = json.loads(base64.urlsafe_b64decode(tok.encode()).decode())
                if d["a"] != action:
                    raise ValueError
                after = int(d["s"])
            except Exception:
                raise EC2Error("InvalidPaginationToken",
                               "The specified pagination token is not valid or is expired.") from None
            start = len([r for r in items if r["_seq"] <= after])
        limit = mr if mr is not None else 1000
        page = items[start:start + limit]
        nxt = None
        if start + limit < len(items):
            nxt = base64.urlsafe_b64encode(json.dumps({"a": action, "s": page[-1]["_seq"]}).encode()).decode()
        return page, nxt

    # ================================================================== VPCs
    def _view_vpc(self, v):
        d = self._public(v)
        d["Tags"] = self._tag_list(v["VpcId"])
        return d

    def op_CreateVpc(self, p):
        tags = self._tag_specs("CreateVpc", p)
        if "CidrBlock" not in p:
            if "Ipv4IpamPoolId" in p:
                raise EC2Error("InvalidParameterValue", "IPAM pools are not supported by ec2sim")
            raise EC2Error("MissingParameter", "Either 'cidrBlock' or 'ipv4IpamPoolId' should be provided.")
        for unsupported in ("Ipv6Pool", "Ipv6CidrBlock", "Ipv6IpamPoolId", "AmazonProvidedIpv6CidrBlock"):
            if p.get(unsupported):
                raise EC2Error("InvalidParameterValue", "%s is not supported by ec2sim" % unsupported)
        net = parse_cidr(p["CidrBlock"], "cidrBlock")
        if not 16 <= net.prefixlen <= 28:
            raise EC2Error("InvalidVpc.Range", "The CIDR '%s' is invalid." % p["CidrBlock"])
        vid = self.new_id("vpc")
        vpc = self._stamp({
            "VpcId": vid, "OwnerId": self.account, "InstanceTenancy": p.get("InstanceTenancy", "default"),
            "CidrBlockAssociationSet": [{"AssociationId": self.new_id("vpc-cidr-assoc"),
                                         "CidrBlock": str(net), "CidrBlockState": {"State": "associated"}}],
            "IsDefault": False, "State": "available", "CidrBlock": str(net),
            "DhcpOptionsId": "dopt-" + hashlib.sha256(self.region.encode()).hexdigest()[:17],
            "Ipv6CidrBlockAssociationSet": [],
            "_dns_support": True, "_dns_hostnames": False, "_nau_metrics": False,
        })
        self.vpcs[vid] = vpc
        # main route table with its local route, and the default security group
        rtb = self._new_rtb(vid)
        rtb["_assocs"].append({"Main": True, "RouteTableAssociationId": self.new_id("rtbassoc"),
                               "RouteTableId": rtb["RouteTableId"],
                               "AssociationState": {"State": "associated"}})
        sg = self._new_sg(vid, "default", "default VPC security group")
        self._add_rule(sg["GroupId"], False, "-1", -1, -1,
                       ("group", {"GroupId": sg["GroupId"], "UserId": self.account}), None)
        self._add_rule(sg["GroupId"], True, "-1", -1, -1, ("CidrIpv4", "0.0.0.0/0"), None)
        # the default network ACL: allow everything both ways (rule 100), then the final deny
        acl = self._new_nacl(vid, True)
        for egress in (False, True):
            acl["_entries"].append({"RuleNumber": 100, "Protocol": "-1", "RuleAction": "allow",
                                    "Egress": egress, "CidrBlock": "0.0.0.0/0"})
        self._apply_tags(vid, tags)
        out = self._view_vpc(vpc)
        out["State"] = "pending"  # as EC2's CreateVpc answer
        return {"Vpc": out}

    def _vpc_has_dependencies(self, vid):
        if any(s["VpcId"] == vid for s in self.subnets.values()):
            return True
        if any(r["VpcId"] == vid and not self._is_main(r) for r in self.route_tables.values()):
            return True
        if any(g["VpcId"] == vid and g["GroupName"] != "default" for g in self.security_groups.values()):
            return True
        if any(any(a["VpcId"] == vid for a in i["Attachments"]) for i in self.igws.values()):
            return True
        if any(e["VpcId"] == vid and e["State"] != "deleted" for e in self.endpoints.values()):
            return True
        if any(a["VpcId"] == vid and not a["IsDefault"] for a in self.nacls.values()):
            return True
        return any(e["VpcId"] == vid for e in self.enis.values())

    def op_DeleteVpc(self, p):
        vid = p["VpcId"]
        self._get(vid, "vpc")
        if self._vpc_has_dependencies(vid):
            raise EC2Error("DependencyViolation",
                           "The vpc '%s' has dependencies and cannot be deleted." % vid)
        for r in [r for r in self.route_tables.values() if r["VpcId"] == vid]:
            self._forget(self.route_tables, r["RouteTableId"])
        for g in [g for g in self.security_groups.values() if g["VpcId"] == vid]:
            for rule in self._rules_of(g["GroupId"]):
                self._forget(self.sg_rules, rule["SecurityGroupRuleId"])
            self._forget(self.security_groups, g["GroupId"])
        for a in [a for a in self.nacls.values() if a["VpcId"] == vid]:
            self._forget(self.nacls, a["NetworkAclId"])
        self._forget(self.vpcs, vid)
        return {}

    def _forget(self, coll, rid):
        coll.pop(rid, None)
        self.tags.pop(rid, None)

    def op_DescribeVpcs(self, p):
        def cidrs(v):
            return [a["CidrBlock"] for a in v["CidrBlockAssociationSet"]]
        filters = {
            "vpc-id": lambda v: [v["VpcId"]], "cidr": lambda v: [v["CidrBlock"]],
            "cidr-block-association.cidr-block": cidrs,
            "cidr-block-association.association-id":
                lambda v: [a["AssociationId"] for a in v["CidrBlockAssociationSet"]],
            "cidr-block-association.state": lambda v: ["associated"],
            "state": lambda v: [v["State"]], "is-default": lambda v: [v["IsDefault"]],
            "owner-id": lambda v: [v["OwnerId"]], "dhcp-options-id": lambda v: [v["DhcpOptionsId"]],
        }
        return self._describe("DescribeVpcs", p, self._sorted(self.vpcs), lambda v: v["VpcId"],
                              "VpcIds", "vpc", filters, self._view_vpc, "Vpcs")

    def op_ModifyVpcAttribute(self, p):
        vpc = self._get(p["VpcId"], "vpc")
        given = [k for k in ("EnableDnsHostnames", "EnableDnsSupport", "EnableNetworkAddressUsageMetrics")
                 if k in p]
        if not given:
            raise EC2Error("MissingParameter", "The request must contain exactly one attribute to modify")
        if len(given) > 1:
            raise EC2Error("InvalidParameterCombination",
                           "Fields for multiple attribute types specified: %s" % ", ".join(given))
        attr = given[0]
        val = p[attr].get("Value")
        if val is None:
            raise EC2Error("MissingParameter", "The request must contain the parameter %s.Value" % attr)
        field = {"EnableDnsHostnames": "_dns_hostnames", "EnableDnsSupport": "_dns_support",
                 "EnableNetworkAddressUsageMetrics": "_nau_metrics"}[attr]
        vpc[field] = bool(val)
        return {}

    def op_DescribeVpcAttribute(self, p):
        vpc = self._get(p["VpcId"], "vpc")
        attr = p["Attribute"]
        field = {"enableDnsHostnames": ("EnableDnsHostnames", "_dns_hostnames"),
                 "enableDnsSupport": ("EnableDnsSupport", "_dns_support"),
                 "enableNetworkAddressUsageMetrics": ("EnableNetworkAddressUsageMetrics", "_nau_metrics")}
        if attr not in field:
            raise invalid_value(attr, "attribute")
        name, key = field[attr]
        return {"VpcId": vpc["VpcId"], name: {"Value": vpc[key]}}

    # ================================================================== subnets
    def _subnet_free(self, s):
        net = ipaddress.ip_network(s["CidrBlock"])
        used = sum(1 for e in self.enis.values() if e["SubnetId"] == s["SubnetId"])
        return net.num_addresses - 5 - used

    def _view_subnet(self, s):
        d = self._public(s)
        d["AvailableIpAddressCount"] = self._subnet_free(s)
        d["Tags"] = self._tag_list(s["SubnetId"])
        return d

    def op_CreateSubnet(self, p):
        tags = self._tag_specs("CreateSubnet", p)
        vpc = self._get(p["VpcId"], "vpc")
        if "CidrBlock" not in p:
            if p.get("Ipv6Native"):
                raise EC2Error("InvalidParameterValue", "IPv6-only subnets are not supported by ec2sim")
            raise EC2Error("MissingParameter", "The request must contain the parameter cidrBlock")
        for unsupported in ("Ipv6CidrBlock", "OutpostArn", "Ipv4IpamPoolId", "Ipv6IpamPoolId"):
            if p.get(unsupported):
                raise EC2Error("InvalidParameterValue", "%s is not supported by ec2sim" % unsupported)
        net = parse_cidr(p["CidrBlock"], "cidrBlock")
        vnet = ipaddress.ip_network(vpc["CidrBlock"])
        if not net.subnet_of(vnet) or not 16 <= net.prefixlen <= 28:
            raise EC2Error("InvalidSubnet.Range", "The CIDR '%s' is invalid." % p["CidrBlock"])
        for s in self.subnets.values():
            if s["VpcId"] == vpc["VpcId"] and net.overlaps(ipaddress.ip_network(s["CidrBlock"])):
                raise EC2Error("InvalidSubnet.Conflict",
                               "The CIDR '%s' conflicts with another subnet" % p["CidrBlock"])
        az = p.get("AvailabilityZone")
        azid = p.get("AvailabilityZoneId")
        if az is not None and azid is not None:
            raise EC2Error("InvalidParameterCombination",
                           "Only one of availabilityZone or availabilityZoneId may be specified")
        if azid is not None:
            byid = {v: k for k, v in self.az_ids.items()}
            if azid not in byid:
                raise invalid_value(azid, "availabilityZoneId")
            az = byid[azid]
        if az is None:
            az = self.az_names[self.az_rr % len(self.az_names)]
            self.az_rr += 1
        if az not in self.az_names:
            raise EC2Error("InvalidParameterValue",
                           "Value (%s) for parameter availabilityZone is invalid. Subnets can currently "
                           "only be created in the following availability zones: %s."
                           % (az, ", ".join(self.az_names)))
        sid = self.new_id("subnet")
        s = self._stamp({
            "SubnetId": sid, "VpcId": vpc["VpcId"], "CidrBlock": str(net), "State": "available",
            "AvailabilityZone": az, "AvailabilityZoneId": self.az_ids[az], "OwnerId": self.account,
            "DefaultForAz": False, "MapPublicIpOnLaunch": False, "AssignIpv6AddressOnCreation": False,
            "Ipv6CidrBlockAssociationSet": [], "SubnetArn": self._arn("subnet", sid),
            "EnableDns64": False, "Ipv6Native": False, "MapCustomerOwnedIpOnLaunch": False,
            "PrivateDnsNameOptionsOnLaunch": None,
        })
        s.pop("PrivateDnsNameOptionsOnLaunch")
        self.subnets[sid] = s
        for a in self.nacls.values():
            if a["VpcId"] == vpc["VpcId"] and a["IsDefault"]:
                a["_assocs"].append({"NetworkAclAssociationId": self.new_id("aclassoc"),
                                     "NetworkAclId": a["NetworkAclId"], "SubnetId": sid})
        self._apply_tags(sid, tags)
        return {"Subnet": self._view_subnet(s)}

    def op_DeleteSubnet(self, p):
        sid = p["SubnetId"]
        self._get(sid, "subnet")
        if any(e["SubnetId"] == sid for e in self.enis.values()):
            raise EC2Error("DependencyViolation",
                           "The subnet '%s' has dependencies and cannot be deleted." % sid)
        for r in self.route_tables.values():
            r["_assocs"] = [a for a in r["_assocs"] if a.get("SubnetId") != sid]
        for a in self.nacls.values():
            a["_assocs"] = [x for x in a["_assocs"] if x["SubnetId"] != sid]
        for e in self.endpoints.values():
            if sid in e.get("SubnetIds", []):
                e["SubnetIds"].remove(sid)
        self._forget(self.subnets, sid)
        return {}

    def op_DescribeSubnets(self, p):
        filters = {
            "subnet-id": lambda s: [s["SubnetId"]], "vpc-id": lambda s: [s["VpcId"]],
            "cidr-block": lambda s: [s["CidrBlock"]], "cidr": lambda s: [s["CidrBlock"]],
            "cidrBlock": lambda s: [s["CidrBlock"]],
            "availability-zone": lambda s: [s["AvailabilityZone"]],
            "availabilityZone": lambda s: [s["AvailabilityZone"]],
            "availability-zone-id": lambda s: [s["AvailabilityZoneId"]],
            "state": lambda s: [s["State"]], "owner-id": lambda s: [s["OwnerId"]],
            "default-for-az": lambda s: [s["DefaultForAz"]],
            "map-public-ip-on-launch": lambda s: [s["MapPublicIpOnLaunch"]],
            "subnet-arn": lambda s: [s["SubnetArn"]],
            "available-ip-address-count": lambda s: [self._subnet_free(s)],
        }
        return self._describe("DescribeSubnets", p, self._sorted(self.subnets), lambda s: s["SubnetId"],
                              "SubnetIds", "subnet", filters, self._view_subnet, "Subnets")

    # ================================================================== route tables
    def _new_rtb(self, vid):
        rid = self.new_id("rtb")
        rtb = self._stamp({"RouteTableId": rid, "VpcId": vid, "OwnerId": self.account,
                           "PropagatingVgws": [],
                           "_routes": [{"DestinationCidrBlock": self.vpcs[vid]["CidrBlock"],
                                        "GatewayId": "local", "Origin": "CreateRouteTable",
                                        "State": "active"}],
                           "_assocs": []})
        self.route_tables[rid] = rtb
        return rtb

    @staticmethod
    def _is_main(rtb):
        return any(a.get("Main") for a in rtb["_assocs"])

    def _route_state(self, route, vid):
        gw = route.get("GatewayId", "")
        if gw.startswith("igw-"):
            igw = self.igws.get(gw)
            if igw is None or not any(a["VpcId"] == vid for a in igw["Attachments"]):
                return "blackhole"
        if gw.startswith("vpce-") and gw not in self.endpoints:
            return "blackhole"
        return "active"

    def _view_rtb(self, r):
        d = self._public(r)
        d["Routes"] = [dict(rt, State=self._route_state(rt, r["VpcId"])) for rt in r["_routes"]]
        d["Associations"] = copy.deepcopy(r["_assocs"])
        d["Tags"] = self._tag_list(r["RouteTableId"])
        return d

    def op_CreateRouteTable(self, p):
        tags = self._tag_specs("CreateRouteTable", p)
        self._get(p["VpcId"], "vpc")
        rtb = self._new_rtb(p["VpcId"])
        self._apply_tags(rtb["RouteTableId"], tags)
        out = {"RouteTable": self._view_rtb(rtb)}
        if "ClientToken" in p:
            out["ClientToken"] = p["ClientToken"]
        return out

    def op_DeleteRouteTable(self, p):
        rid = p["RouteTableId"]
        rtb = self._get(rid, "rtb")
        if rtb["_assocs"]:
            raise EC2Error("DependencyViolation",
                           "The routeTable '%s' has dependencies and cannot be deleted." % rid)
        for e in self.endpoints.values():
            if rid in e.get("RouteTableIds", []):
                e["RouteTableIds"].remove(rid)
        self._forget(self.route_tables, rid)
        return {}

    def op_DescribeRouteTables(self, p):
        def routes(key):
            return lambda r: [x.get(key) for x in r["_routes"] if x.get(key) is not None]

        def assocs(key):
            return lambda r: [a.get(key) for a in r["_assocs"] if a.get(key) is not None]
        filters = {
            "route-table-id": lambda r: [r["RouteTableId"]], "vpc-id": lambda r: [r["VpcId"]],
            "owner-id": lambda r: [r["OwnerId"]],
            "association.route-table-association-id": assocs("RouteTableAssociationId"),
            "association.route-table-id": assocs("RouteTableId"),
            "association.subnet-id": assocs("SubnetId"),
            "association.gateway-id": assocs("GatewayId"),
            "association.main": lambda r: [self._is_main(r)] if self._is_main(r) else [False],
            "route.destination-cidr-block": routes("DestinationCidrBlock"),
            "route.destination-ipv6-cidr-block": routes("DestinationIpv6CidrBlock"),
            "route.destination-prefix-list-id": routes("DestinationPrefixListId"),
            "route.gateway-id": routes("GatewayId"),
            "route.nat-gateway-id": routes("NatGatewayId"),
            "route.transit-gateway-id": routes("TransitGatewayId"),
            "route.vpc-peering-connection-id": routes("VpcPeeringConnectionId"),
            "route.egress-only-internet-gateway-id": routes("EgressOnlyInternetGatewayId"),
            "route.instance-id": routes("InstanceId"),
            "route.origin": routes("Origin"),
            "route.state": lambda r: [self._route_state(x, r["VpcId"]) for x in r["_routes"]],
        }
        return self._describe("DescribeRouteTables", p, self._sorted(self.route_tables),
                              lambda r: r["RouteTableId"], "RouteTableIds", "rtb", filters,
                              self._view_rtb, "RouteTables")

    def _find_assoc(self, aid):
        for r in self.route_tables.values():
            for a in r["_assocs"]:
                if a["RouteTableAssociationId"] == aid:
                    return r, a
        raise EC2Error("InvalidAssociationID.NotFound", "The association ID '%s' does not exist" % aid)

    def op_AssociateRouteTable(self, p):
        rtb = self._get(p["RouteTableId"], "rtb")
        sid, gid = p.get("SubnetId"), p.get("GatewayId")
        if (sid is None) == (gid is None):
            raise EC2Error("InvalidParameterCombination" if sid else "MissingParameter",
                           "Exactly one of SubnetId or GatewayId must be specified")
        if p.get("PublicIpv4Pool"):
            raise EC2Error("InvalidParameterValue", "PublicIpv4Pool is not supported by ec2sim")
        if sid is not None:
            s = self._get(sid, "subnet")
            if s["VpcId"] != rtb["VpcId"]:
                raise EC2Error("InvalidParameterValue", "Route table %s and subnet %s belong to different "
                               "networks" % (rtb["RouteTableId"], sid))
            key, target = "SubnetId", sid
        else:
            igw = self._get(gid, "igw") if gid.startswith("igw-") else None
            if igw is None:
                raise EC2Error("InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist" % gid)
            if not any(a["VpcId"] == rtb["VpcId"] for a in igw["Attachments"]):
                raise EC2Error("InvalidParameterValue",
                               "Gateway %s is not attached to network %s" % (gid, rtb["VpcId"]))
            key, target = "GatewayId", gid
        for r in self.route_tables.values():
            for a in r["_assocs"]:
                if a.get(key) == target:
                    raise EC2Error("Resource.AlreadyAssociated",
                                   "the specified association for route table %s conflicts with an "
                                   "existing association" % rtb["RouteTableId"])
        aid = self.new_id("rtbassoc")
        rtb["_assocs"].append({"Main": False, "RouteTableAssociationId": aid,
                               "RouteTableId": rtb["RouteTableId"], key: target,
                               "AssociationState": {"State": "associated"}})
        return {"AssociationId": aid, "AssociationState": {"State": "associated"}}

    def op_DisassociateRouteTable(self, p):
        rtb, a = self._find_assoc(p["AssociationId"])
        if a.get("Main"):
            raise EC2Error("InvalidParameterValue",
                           "cannot disassociate the main route table association %s" % p["AssociationId"])
        rtb["_assocs"].remove(a)
        return {}

    def _dest_of(self, p):
        dests = [(k, p[k]) for k in ("DestinationCidrBlock", "DestinationIpv6CidrBlock",
                                     "DestinationPrefixListId") if k in p]
        if not dests:
            raise EC2Error("MissingParameter", "The request must contain the parameter "
                           "destinationCidrBlock or destinationIpv6CidrBlock or destinationPrefixListId")
        if len(dests) > 1:
            raise EC2Error("InvalidParameterCombination",
                           "Only one of destinationCidrBlock, destinationIpv6CidrBlock or "
                           "destinationPrefixListId may be specified")
        key, val = dests[0]
        if key == "DestinationCidrBlock":
            val = str(parse_cidr(val, "destinationCidrBlock"))
        elif key == "DestinationIpv6CidrBlock":
            val = str(parse_cidr(val, "destinationIpv6CidrBlock", v6=True))
        elif val not in self.prefix_lists:
            raise EC2Error("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist" % val)
        return key, val

    def op_CreateRoute(self, p):
        rtb = self._get(p["RouteTableId"], "rtb")
        key, val = self._dest_of(p)
        targets = [k for k in ("GatewayId", "NatGatewayId", "TransitGatewayId", "LocalGatewayId",
                               "CarrierGatewayId", "CoreNetworkArn", "OdbNetworkArn",
                               "EgressOnlyInternetGatewayId", "InstanceId", "NetworkInterfaceId",
                               "VpcPeeringConnectionId", "VpcEndpointId") if k in p]
        if not targets:
            raise EC2Error("MissingParameter", "The request must contain a route target "
                           "(gatewayId, natGatewayId, networkInterfaceId, ...)")
        if len(targets) > 1:
            raise EC2Error("InvalidParameterCombination", "More than one target specified: %s"
                           % ", ".join(targets))
        tk = targets[0]
        tv = p[tk]
        route = {key: val, "Origin": "CreateRoute", "State": "active"}
        if tk == "GatewayId":
            if tv.startswith("igw-"):
                igw = self._get(tv, "igw", "InvalidGatewayID.NotFound")
                if not any(a["VpcId"] == rtb["VpcId"] for a in igw["Attachments"]):
                    raise EC2Error("InvalidParameterValue", "route table %s and network gateway %s belong "
                                   "to different networks" % (rtb["RouteTableId"], tv))
            elif tv.startswith("vpce-"):
                raise EC2Error("InvalidParameterValue", "The gateway endpoint %s routes are managed by the "
                               "endpoint; use ModifyVpcEndpoint" % tv)
            else:
                raise EC2Error("InvalidGatewayID.NotFound", "The gateway ID '%s' does not exist" % tv)
            route["GatewayId"] = tv
        elif tk == "NetworkInterfaceId":
            eni = self._get(tv, "eni")
            if eni["VpcId"] != rtb["VpcId"]:
                raise EC2Error("InvalidParameterValue", "route table %s and interface %s belong to "
                               "different networks" % (rtb["RouteTableId"], tv))
            route["NetworkInterfaceId"] = tv
        else:
            codes = {"NatGatewayId": "InvalidNatGatewayID.NotFound",
                     "TransitGatewayId": "InvalidTransitGatewayID.NotFound",
                     "VpcPeeringConnectionId": "InvalidVpcPeeringConnectionID.NotFound",
                     "InstanceId": "InvalidInstanceID.NotFound",
                     "VpcEndpointId": "InvalidVpcEndpointId.NotFound"}
            raise EC2Error(codes.get(tk, "InvalidParameterValue"),
                           "The %s '%s' does not exist (ec2sim models no such resources)" % (tk, tv))
        for r in rtb["_routes"]:
            if r.get(key) == val:
                raise EC2Error("RouteAlreadyExists", "The route identified by %s already exists." % val)
        rtb["_routes"].append(route)
        return {"Return": True}

    def op_DeleteRoute(self, p):
        rtb = self._get(p["RouteTableId"], "rtb")
        key, val = self._dest_of(p)
        for r in rtb["_routes"]:
            if r.get(key) == val:
                if r.get("GatewayId") == "local":
                    raise EC2Error("InvalidParameterValue", "cannot remove local route %s in route table %s"
                                   % (val, rtb["RouteTableId"]))
                if r.get("GatewayId", "").startswith("vpce-"):
                    raise EC2Error("InvalidParameterValue", "route %s in route table %s is managed by "
                                   "endpoint %s" % (val, rtb["RouteTableId"], r["GatewayId"]))
                rtb["_routes"].remove(r)
                return {}
        kname = {"DestinationCidrBlock": "destination-cidr-block",
                 "DestinationIpv6CidrBlock": "destination-ipv6-cidr-block",
                 "DestinationPrefixListId": "destination-prefix-list-id"}[key]
        raise EC2Error("InvalidRoute.NotFound", "no route with %s %s in route table %s"
                       % (kname, val, rtb["RouteTableId"]))

    # ================================================================== security groups
    def _new_sg(self, vid, name, desc):
        gid = self.new_id("sg")
        sg = self._stamp({"GroupId": gid, "GroupName": name, "Description": desc, "VpcId": vid,
                          "OwnerId": self.account, "SecurityGroupArn": self._arn("security-group", gid)})
        self.security_groups[gid] = sg
        return sg

    def _rules_of(self, gid, egress=None):
        return [r for r in self._sorted(self.sg_rules)
                if r["GroupId"] == gid and (egress is None or r["IsEgress"] == egress)]

    @staticmethod
    def _rule_source(r):
        for k in ("CidrIpv4", "CidrIpv6", "PrefixListId"):
            if k in r:
                return (k, r[k])
        return ("group", r["ReferencedGroupInfo"]["GroupId"])

    def _add_rule(self, gid, egress, proto, fp, tp, source, desc):
        rid = self.new_id("sgr")
        rule = {"SecurityGroupRuleId": rid, "GroupId": gid, "GroupOwnerId": self.account,
                "IsEgress": egress, "IpProtocol": proto, "FromPort": fp, "ToPort": tp,
                "SecurityGroupRuleArn": self._arn("security-group-rule", rid)}
        kind, val = source
        if kind == "group":
            rule["ReferencedGroupInfo"] = dict(val)
        else:
            rule[kind] = val
        if desc is not None:
            rule["Description"] = desc
        self.sg_rules[rid] = self._stamp(rule)
        return rule

    def _perms_of(self, rules):
        """Group flat rules back into EC2's IpPermissions form."""
        perms = []
        index = {}
        for r in rules:
            k = (r["IpProtocol"], r["FromPort"], r["ToPort"])
            if k not in index:
                perm = {"IpProtocol": r["IpProtocol"], "IpRanges": [], "Ipv6Ranges": [],
                        "PrefixListIds": [], "UserIdGroupPairs": []}
                if r["IpProtocol"] != "-1":
                    perm["FromPort"], perm["ToPort"] = r["FromPort"], r["ToPort"]
                index[k] = perm
                perms.append(perm)
            perm = index[k]
            d = {"Description": r["Description"]} if "Description" in r else {}
            if "CidrIpv4" in r:
                perm["IpRanges"].append(dict(d, CidrIp=r["CidrIpv4"]))
            elif "CidrIpv6" in r:
                perm["Ipv6Ranges"].append(dict(d, CidrIpv6=r["CidrIpv6"]))
            elif "PrefixListId" in r:
                perm["PrefixListIds"].append(dict(d, PrefixListId=r["PrefixListId"]))
            else:
                g = r["ReferencedGroupInfo"]
                perm["UserIdGroupPairs"].append(dict(d, GroupId=g["GroupId"], UserId=g.get("UserId")))
        return perms

    def _view_sg(self, g):
        d = self._public(g)
        d["IpPermissions"] = self._perms_of(self._rules_of(g["GroupId"], False))
        d["IpPermissionsEgress"] = self._perms_of(self._rules_of(g["GroupId"], True))
        d["Tags"] = self._tag_list(g["GroupId"])
        return d

    def _view_rule(self, r):
        d = self._public(r)
        d["Tags"] = self._tag_list(r["SecurityGroupRuleId"])
        return d

    def op_CreateSecurityGroup(self, p):
        tags = self._tag_specs("CreateSecurityGroup", p)
        name, desc = p["GroupName"], p["Description"]
        vid = p.get("VpcId")
        if vid is None:
            raise EC2Error("VPCIdNotSpecified", "No default VPC for this user")
        self._get(vid, "vpc")
        if name == "default":
            raise EC2Error("InvalidGroup.Reserved", "The security group 'default' is reserved")
        if not name or len(name) > 255 or name.startswith("sg-"):
            raise invalid_value(name, "GroupName", "Group names must be 1-255 characters and may not "
                                "start with sg-.")
        if not desc or len(desc) > 255:
            raise invalid_value(desc, "GroupDescription", "Descriptions must be 1-255 characters.")
        for g in self.security_groups.values():
            if g["VpcId"] == vid and g["GroupName"] == name:
                raise EC2Error("InvalidGroup.Duplicate",
                               "The security group '%s' already exists for VPC '%s'" % (name, vid))
        sg = self._new_sg(vid, name, desc)
        self._add_rule(sg["GroupId"], True, "-1", -1, -1, ("CidrIpv4", "0.0.0.0/0"), None)
        self._apply_tags(sg["GroupId"], tags)
        return {"GroupId": sg["GroupId"], "Tags": self._tag_list(sg["GroupId"]) or None,
                "SecurityGroupArn": sg["SecurityGroupArn"]}

    def _resolve_group(self, p, required=True):
        gid, name = p.get("GroupId"), p.get("GroupName")
        if gid is not None:
            return self._get(gid, "sg")
        if name is not None:
            found = [g for g in self.security_groups.values() if g["GroupName"] == name]
            if len(found) != 1:
                if not found:
                    raise EC2Error("InvalidGroup.NotFound",
                                   "The security group '%s' does not exist in default VPC" % name)
                raise EC2Error("InvalidParameterValue", "Group name '%s' is ambiguous; use GroupId" % name)
            return found[0]
        raise EC2Error("MissingParameter", "The request must contain the parameter groupId")

    def op_DeleteSecurityGroup(self, p):
        g = self._resolve_group(p)
        gid = g["GroupId"]
        if g["GroupName"] == "default":
            raise EC2Error("CannotDelete", 'the specified group: "%s" name: "default" cannot be deleted '
                           "by a user" % gid)
        in_use = any(gid in e.get("_groups", []) for e in self.enis.values()) or any(
            gid in [x["GroupId"] for x in e.get("Groups", [])] for e in self.endpoints.values()
            if e["State"] != "deleted")
        referenced = any(r.get("ReferencedGroupInfo", {}).get("GroupId") == gid and r["GroupId"] != gid
                         for r in self.sg_rules.values())
        if in_use or referenced:
            raise EC2Error("DependencyViolation", "resource %s has a dependent object" % gid)
        for r in self._rules_of(gid):
            self._forget(self.sg_rules, r["SecurityGroupRuleId"])
        self._forget(self.security_groups, gid)
        return {"Return": True, "GroupId": gid}

    def op_DescribeSecurityGroups(self, p):
        def perm_vals(egress, fn):
            return lambda g: [v for r in self._rules_of(g["GroupId"], egress) for v in fn(r)]
        filters = {"group-id": lambda g: [g["GroupId"]], "group-name": lambda g: [g["GroupName"]],
                   "vpc-id": lambda g: [g["VpcId"]], "description": lambda g: [g["Description"]],
                   "owner-id": lambda g: [g["OwnerId"]]}
        for pre, eg in (("ip-permission.", False), ("egress.ip-permission.", True)):
            filters[pre + "cidr"] = perm_vals(eg, lambda r: [r["CidrIpv4"]] if "CidrIpv4" in r else [])
            filters[pre + "ipv6-cidr"] = perm_vals(eg, lambda r: [r["CidrIpv6"]] if "CidrIpv6" in r else [])
            filters[pre + "prefix-list-id"] = perm_vals(
                eg, lambda r: [r["PrefixListId"]] if "PrefixListId" in r else [])
            filters[pre + "group-id"] = perm_vals(
                eg, lambda r: [r["ReferencedGroupInfo"]["GroupId"]] if "ReferencedGroupInfo" in r else [])
            filters[pre + "protocol"] = perm_vals(eg, lambda r: [r["IpProtocol"]])
            filters[pre + "from-port"] = perm_vals(eg, lambda r: [r["FromPort"]])
            filters[pre + "to-port"] = perm_vals(eg, lambda r: [r["ToPort"]])
        names = p.get("GroupNames")
        if names:
            have = {g["GroupName"] for g in self.security_groups.values() if self._visible(g)}
            missing = [n for n in names if n not in have]
            if missing:
                raise EC2Error("InvalidGroup.NotFound", "The security group '%s' does not exist"
                               % ", ".join(missing))
            p = dict(p, Filters=(p.get("Filters") or []) + [{"Name": "group-name", "Values": names}])
        return self._describe("DescribeSecurityGroups", p, self._sorted(self.security_groups),
                              lambda g: g["GroupId"], "GroupIds", "sg", filters, self._view_sg,
                              "SecurityGroups")

    def _normalize_proto(self, proto):
        if proto is None:
            raise EC2Error("MissingParameter", "The request must contain the parameter ipProtocol")
        pr = PROTO_NAMES.get(proto.lower(), proto.lower())
        if pr in ("tcp", "udp", "icmp", "icmpv6", "-1"):
            return pr
        if pr.isdigit() and 0 <= int(pr) <= 255:
            return pr
        raise EC2Error("InvalidParameterValue",
                       "Invalid value '%s' for IP protocol. Unknown protocol." % proto)

    def _expand_perms(self, g, p, egress):
        """Turn IpPermissions (or the legacy flat parameters) into (key, rule spec) tuples."""
        perms = p.get("IpPermissions")
        legacy = [k for k in ("CidrIp", "IpProtocol", "FromPort", "ToPort", "SourceSecurityGroupName",
                              "SourceSecurityGroupOwnerId") if k in p]
        if perms and legacy:
            raise EC2Error("InvalidParameterCombination",
                           "The parameter 'ipPermissions' may not be used in combination with '%s'"
                           % legacy[0])
        if not perms:
            if not legacy:
                raise EC2Error("MissingParameter", "The request must contain the parameter ipPermissions")
            perm = {"IpProtocol": p.get("IpProtocol", "-1" if "SourceSecurityGroupName" in p else None),
                    "FromPort": p.get("FromPort"), "ToPort": p.get("ToPort")}
            if "CidrIp" in p:
                perm["IpRanges"] = [{"CidrIp": p["CidrIp"]}]
            if "SourceSecurityGroupName" in p:
                perm["UserIdGroupPairs"] = [{"GroupName": p["SourceSecurityGroupName"]}]
            perms = [perm]
        specs = []
        for perm in perms:
            proto = self._normalize_proto(perm.get("IpProtocol"))
            fp, tp = perm.get("FromPort"), perm.get("ToPort")
            if proto in ("tcp", "udp"):
                if fp is None or tp is None:
                    raise EC2Error("InvalidParameterValue", "Invalid value 'Must specify both from and to "
                                   "ports with TCP/UDP.' for portRange")
                if not (0 <= fp <= 65535 and 0 <= tp <= 65535) or fp > tp:
                    raise EC2Error("InvalidParameterValue", "Invalid TCP/UDP port range %s-%s" % (fp, tp))
            elif proto in ("icmp", "icmpv6"):
                fp = -1 if fp is None else fp
                tp = -1 if tp is None else tp
                if not (-1 <= fp <= 255 and -1 <= tp <= 255):
                    raise EC2Error("InvalidParameterValue", "Invalid ICMP type/code %s/%s" % (fp, tp))
            else:
                fp, tp = -1, -1
            sources = []
            for r in perm.get("IpRanges") or []:
                if "CidrIp" not in r:
                    raise EC2Error("MissingParameter", "The request must contain the parameter cidrIp")
                sources.append((("CidrIpv4", str(parse_cidr(r["CidrIp"], "cidrIp"))), r.get("Description")))
            for r in perm.get("Ipv6Ranges") or []:
                if "CidrIpv6" not in r:
                    raise EC2Error("MissingParameter", "The request must contain the parameter cidrIpv6")
                sources.append((("CidrIpv6", str(parse_cidr(r["CidrIpv6"], "cidrIpv6", True))),
                                r.get("Description")))
            for r in perm.get("PrefixListIds") or []:
                plid = r.get("PrefixListId")
                if plid not in self.prefix_lists:
                    raise EC2Error("InvalidPrefixListID.NotFound",
                                   "The prefix list ID '%s' does not exist" % plid)
                sources.append((("PrefixListId", plid), r.get("Description")))
            for r in perm.get("UserIdGroupPairs") or []:
                if "GroupId" in r:
                    ref = self._get(r["GroupId"], "sg")
                elif "GroupName" in r:
                    found = [x for x in self.security_groups.values()
                             if x["GroupName"] == r["GroupName"] and x["VpcId"] == g["VpcId"]]
                    if not found:
                        raise EC2Error("InvalidGroup.NotFound", "The security group '%s' does not exist"
                                       % r["GroupName"])
                    ref = found[0]
                else:
                    raise EC2Error("MissingParameter", "The request must contain the parameter groupId")
                sources.append((("group", {"GroupId": ref["GroupId"], "UserId": self.account}),
                                r.get("Description")))
            if not sources:
                raise EC2Error("MissingParameter", "The request must contain a source: ipRanges, "
                               "ipv6Ranges, prefixListIds or groups")
            for src, desc in sources:
                skey = src[1]["GroupId"] if src[0] == "group" else src[1]
                specs.append(((proto, fp, tp, src[0], skey), proto, fp, tp, src, desc))
        return specs

    @staticmethod
    def _rule_desc(key, egress):
        proto, fp, tp, kind, val = key
        return 'peer: %s, %s, from port: %s, to port: %s, ALLOW' % (val, proto.upper(), fp, tp)

    def _authorize(self, p, egress, action):
        g = self._resolve_group(p)
        tags = self._tag_specs(action, p)
        specs = self._expand_perms(g, p, egress)
        existing = {(r["IpProtocol"], r["FromPort"], r["ToPort"]) + self._rule_source(r)
                    for r in self._rules_of(g["GroupId"], egress)}
        seen = set()
        for spec in specs:
            if spec[0] in existing or spec[0] in seen:
                raise EC2Error("InvalidPermission.Duplicate", 'the specified rule "%s" already exists'
                               % self._rule_desc(spec[0], egress))
            seen.add(spec[0])
        added = []
        for _key, proto, fp, tp, src, desc in specs:
            rule = self._add_rule(g["GroupId"], egress, proto, fp, tp, src, desc)
            self._apply_tags(rule["SecurityGroupRuleId"], tags)
            added.append(self._view_rule(rule))
        return {"Return": True, "SecurityGroupRules": added}

    def _revoke(self, p, egress):
        g = self._resolve_group(p)
        rule_ids = p.get("SecurityGroupRuleIds")
        if rule_ids and (p.get("IpPermissions") or "CidrIp" in p or "IpProtocol" in p):
            raise EC2Error("InvalidParameterCombination",
                           "securityGroupRuleIds may not be combined with ipPermissions")
        rules = self._rules_of(g["GroupId"], egress)
        victims, unknown = [], []
        if rule_ids:
            byid = {r["SecurityGroupRuleId"]: r for r in rules}
            missing = [i for i in rule_ids if i not in byid]
            if missing:
                raise EC2Error("InvalidSecurityGroupRuleId.NotFound",
                               "The security group rule ID '%s' does not exist" % ", ".join(missing))
            victims = [byid[i] for i in rule_ids]
        else:
            bykey = {(r["IpProtocol"], r["FromPort"], r["ToPort"]) + self._rule_source(r): r for r in rules}
            for spec in self._expand_perms(g, p, egress):
                if spec[0] in bykey:
                    victims.append(bykey[spec[0]])
                else:
                    unknown.append(spec)
            if not victims:
                raise EC2Error("InvalidPermission.NotFound",
                               "The specified rule does not exist in this security group.")
        revoked = []
        for r in victims:
            if r["SecurityGroupRuleId"] in self.sg_rules:
                self._forget(self.sg_rules, r["SecurityGroupRuleId"])
                rv = {k: r[k] for k in ("SecurityGroupRuleId", "GroupId", "IsEgress", "IpProtocol",
                                        "FromPort", "ToPort", "CidrIpv4", "CidrIpv6", "PrefixListId",
                                        "Description") if k in r}
                if "ReferencedGroupInfo" in r:
                    rv["ReferencedGroupId"] = r["ReferencedGroupInfo"]["GroupId"]
                revoked.append(rv)
        out = {"Return": True, "RevokedSecurityGroupRules": revoked}
        if unknown:
            out["UnknownIpPermissions"] = self._perms_of([self._spec_as_rule(s) for s in unknown])
        return out

    @staticmethod
    def _spec_as_rule(spec):
        _key, proto, fp, tp, (kind, val), desc = spec
        r = {"IpProtocol": proto, "FromPort": fp, "ToPort": tp}
        if kind == "group":
            r["ReferencedGroupInfo"] = val
        else:
            r[kind] = val
        return r

    def op_AuthorizeSecurityGroupIngress(self, p):
        return self._authorize(p, False, "AuthorizeSecurityGroupIngress")

    def op_AuthorizeSecurityGroupEgress(self, p):
        return self._authorize(p, True, "AuthorizeSecurityGroupEgress")

    def op_RevokeSecurityGroupIngress(self, p):
        return self._revoke(p, False)

    def op_RevokeSecurityGroupEgress(self, p):
        return self._revoke(p, True)

    def op_DescribeSecurityGroupRules(self, p):
        filters = {"group-id": lambda r: [r["GroupId"]],
                   "security-group-rule-id": lambda r: [r["SecurityGroupRuleId"]]}
        return self._describe("DescribeSecurityGroupRules", p, self._sorted(self.sg_rules),
                              lambda r: r["SecurityGroupRuleId"], "SecurityGroupRuleIds", "sgr",
                              filters, self._view_rule, "SecurityGroupRules")

    # ================================================================== internet gateways
    def _view_igw(self, i):
        d = self._public(i)
        d["Tags"] = self._tag_list(i["InternetGatewayId"])
        return d

    def op_CreateInternetGateway(self, p):
        tags = self._tag_specs("CreateInternetGateway", p)
        iid = self.new_id("igw")
        igw = self._stamp({"InternetGatewayId": iid, "OwnerId": self.account, "Attachments": []})
        self.igws[iid] = igw
        self._apply_tags(iid, tags)
        return {"InternetGateway": self._view_igw(igw)}

    def op_AttachInternetGateway(self, p):
        igw = self._get(p["InternetGatewayId"], "igw")
        vid = p["VpcId"]
        self._get(vid, "vpc")
        if igw["Attachments"]:
            raise EC2Error("Resource.AlreadyAssociated", "resource %s is already attached to network %s"
                           % (igw["InternetGatewayId"], igw["Attachments"][0]["VpcId"]))
        for other in self.igws.values():
            if any(a["VpcId"] == vid for a in other["Attachments"]):
                raise EC2Error("Gateway.AlreadyAttached", "Network %s already has an internet gateway "
                               "attached (%s)" % (vid, other["InternetGatewayId"]))
        igw["Attachments"] = [{"State": "available", "VpcId": vid}]
        return {}

    def op_DetachInternetGateway(self, p):
        igw = self._get(p["InternetGatewayId"], "igw")
        vid = p["VpcId"]
        self._get(vid, "vpc")
        if not any(a["VpcId"] == vid for a in igw["Attachments"]):
            raise EC2Error("Gateway.NotAttached", "resource %s is not attached to network %s"
                           % (igw["InternetGatewayId"], vid))
        igw["Attachments"] = []
        return {}

    def op_DeleteInternetGateway(self, p):
        igw = self._get(p["InternetGatewayId"], "igw")
        if igw["Attachments"]:
            raise EC2Error("DependencyViolation", "The internetGateway '%s' has dependencies and cannot "
                           "be deleted." % igw["InternetGatewayId"])
        self._forget(self.igws, igw["InternetGatewayId"])
        return {}

    def op_DescribeInternetGateways(self, p):
        filters = {"internet-gateway-id": lambda i: [i["InternetGatewayId"]],
                   "attachment.vpc-id": lambda i: [a["VpcId"] for a in i["Attachments"]],
                   "attachment.state": lambda i: [a["State"] for a in i["Attachments"]],
                   "owner-id": lambda i: [i["OwnerId"]]}
        return self._describe("DescribeInternetGateways", p, self._sorted(self.igws),
                              lambda i: i["InternetGatewayId"], "InternetGatewayIds", "igw", filters,
                              self._view_igw, "InternetGateways")

    # ================================================================== tags
    def _taggable(self, rid):
        prefix = rid.rsplit("-", 1)[0] if "-" in rid else ""
        if prefix not in ID_KINDS:
            raise EC2Error("InvalidID", "The ID '%s' is not valid" % rid)
        return self._get(rid, prefix)

    def op_CreateTags(self, p):
        tags = self._validate_tags(p["Tags"], "Tag")
        for rid in p["Resources"]:
            self._taggable(rid)
        for rid in p["Resources"]:
            merged = dict(self.tags.get(rid, {}), **tags)
            if len(merged) > 50:
                raise EC2Error("TagLimitExceeded", "The maximum number of Tags for a resource has been "
                               "reached.")
        for rid in p["Resources"]:
            self.tags.setdefault(rid, {}).update(tags)
        return {}

    def op_DeleteTags(self, p):
        for rid in p["Resources"]:
            self._taggable(rid)
        for rid in p["Resources"]:
            cur = self.tags.get(rid, {})
            if p.get("Tags") is None:
                cur.clear()
                continue
            for t in p["Tags"]:
                k = t.get("Key")
                if k is None:
                    raise EC2Error("InvalidParameterValue", "The tag key must be specified")
                if k in cur and ("Value" not in t or cur[k] == t["Value"]):
                    del cur[k]
        return {}

    # ================================================================== catalogue
    def op_DescribeAvailabilityZones(self, p):
        zones = []
        for i, name in enumerate(self.az_names):
            zones.append({"ZoneName": name, "ZoneId": self.az_ids[name], "State": "available",
                          "RegionName": self.region, "OptInStatus": "opt-in-not-required",
                          "GroupName": self.region, "GroupLongName": self.region,
                          "NetworkBorderGroup": self.region, "ZoneType": "availability-zone",
                          "Messages": [], "_seq": i})
        for key, param, field in (("ZoneNames", "ZoneName", "ZoneName"), ("ZoneIds", "ZoneId", "ZoneId")):
            want = p.get(key)
            if want:
                have = {z[field] for z in zones}
                bad = [w for w in want if w not in have]
                if bad:
                    raise EC2Error("InvalidParameterValue", "Invalid availability zone: [%s]" % ", ".join(bad))
                zones = [z for z in zones if z[field] in want]
        filters = {"zone-name": lambda z: [z["ZoneName"]], "zone-id": lambda z: [z["ZoneId"]],
                   "region-name": lambda z: [z["RegionName"]], "state": lambda z: [z["State"]],
                   "zone-type": lambda z: [z["ZoneType"]], "group-name": lambda z: [z["GroupName"]],
                   "opt-in-status": lambda z: [z["OptInStatus"]]}
        zones = self._apply_filters("DescribeAvailabilityZones", p.get("Filters"), zones, filters,
                                    lambda z: {})
        return {"AvailabilityZones": [self._public(z) for z in zones]}

    def _build_services(self):
        r = self.region
        out = []

        def svc_id(name, t):
            return "vpce-svc-" + hashlib.sha256((name + t).encode()).hexdigest()[:17]
        for short in GATEWAY_SERVICES:
            name = "com.amazonaws.%s.%s" % (r, short)
            out.append({"ServiceName": name, "ServiceId": svc_id(name, "g"),
                        "ServiceType": [{"ServiceType": "Gateway"}],
                        "AvailabilityZones": list(self.az_names), "Owner": "amazon",
                        "BaseEndpointDnsNames": ["%s.%s.amazonaws.com" % (short, r)],
                        "VpcEndpointPolicySupported": True, "AcceptanceRequired": False,
                        "ManagesVpcEndpoints": False, "Tags": [], "SupportedIpAddressTypes": ["ipv4"],
                        "ServiceRegion": r, "_short": short, "_type": "Gateway"})
        for short, (pdns, pol) in sorted(INTERFACE_SERVICES.items()):
            name = "com.amazonaws.%s.%s" % (r, short)
            base = ".".join(reversed(short.split("."))) if short.startswith("ecr.") else short
            d = {"ServiceName": name, "ServiceId": svc_id(name, "i"),
                 "ServiceType": [{"ServiceType": "Interface"}],
                 "AvailabilityZones": list(self.az_names),
                 "AvailabilityZoneIds": [self.az_ids[z] for z in self.az_names], "Owner": "amazon",
                 "BaseEndpointDnsNames": ["%s.%s.vpce.amazonaws.com" % (base, r)],
                 "VpcEndpointPolicySupported": pol, "AcceptanceRequired": False,
                 "ManagesVpcEndpoints": False, "Tags": [], "SupportedIpAddressTypes": ["ipv4"],
                 "ServiceRegion": r, "_short": short, "_type": "Interface"}
            if pdns:
                d["PrivateDnsName"] = pdns.format(r=r)
                d["PrivateDnsNames"] = [{"PrivateDnsName": d["PrivateDnsName"]}]
                d["PrivateDnsNameVerificationState"] = "verified"
            out.append(d)
        out.sort(key=lambda s: (s["ServiceName"], s["_type"]))
        for i, s in enumerate(out):
            s["_seq"] = i
        return out

    def _service(self, name, etype):
        matches = [s for s in self.services if s["ServiceName"] == name]
        if not matches:
            raise EC2Error("InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist" % name)
        for s in matches:
            if s["_type"] == etype:
                return s
        raise EC2Error("InvalidParameter", "The Vpc Endpoint Service '%s' does not support endpoint type "
                       "%s" % (name, etype))

    def op_DescribeVpcEndpointServices(self, p):
        svcs = list(self.services)
        names = p.get("ServiceNames")
        if names:
            have = {s["ServiceName"] for s in svcs}
            bad = [n for n in names if n not in have]
            if bad:
                raise EC2Error("InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist"
                               % ", ".join(bad))
            svcs = [s for s in svcs if s["ServiceName"] in names]
        filters = {"service-name": lambda s: [s["ServiceName"]], "service-type": lambda s: [s["_type"]],
                   "owner": lambda s: [s["Owner"]], "service-region": lambda s: [s["ServiceRegion"]],
                   "supported-ip-address-types": lambda s: s["SupportedIpAddressTypes"]}
        svcs = self._apply_filters("DescribeVpcEndpointServices", p.get("Filters"), svcs, filters,
                                   lambda s: {})
        page, token = self._paginate("DescribeVpcEndpointServices", p, svcs)
        names_out = []
        for s in page:
            if s["ServiceName"] not in names_out:
                names_out.append(s["ServiceName"])
        return {"ServiceNames": names_out, "ServiceDetails": [self._public(s) for s in page],
                "NextToken": token}

    def _pls(self, action, p, managed):
        pls = [dict(v, _seq=i) for i, v in enumerate(self.prefix_lists.values())]
        ids = p.get("PrefixListIds")
        if ids:
            bad = [i for i in ids if i not in self.prefix_lists]
            if bad:
                raise EC2Error("InvalidPrefixListID.NotFound", "The prefix list ID '%s' does not exist"
                               % ", ".join(bad))
            pls = [x for x in pls if x["PrefixListId"] in ids]
        filters = {"prefix-list-id": lambda x: [x["PrefixListId"]],
                   "prefix-list-name": lambda x: [x["PrefixListName"]]}
        if managed:
            filters["owner-id"] = lambda x: ["AWS"]
        pls = self._apply_filters(action, p.get("Filters"), pls, filters, lambda x: {})
        page, token = self._paginate(action, p, pls)
        if managed:
            out = [{"PrefixListId": x["PrefixListId"], "AddressFamily": "IPv4", "State": "create-complete",
                    "PrefixListArn": "arn:aws:ec2:%s:aws:prefix-list/%s" % (self.region, x["PrefixListId"]),
                    "PrefixListName": x["PrefixListName"], "Version": 1, "Tags": [], "OwnerId": "AWS"}
                   for x in page]
        else:
            out = [self._public(x) for x in page]
        return {"PrefixLists": out, "NextToken": token}

    def op_DescribePrefixLists(self, p):
        return self._pls("DescribePrefixLists", p, False)

    def op_DescribeManagedPrefixLists(self, p):
        return self._pls("DescribeManagedPrefixLists", p, True)

    # ================================================================== network interfaces
    def _view_eni(self, e):
        d = self._public(e)
        d["Groups"] = [{"GroupId": g, "GroupName": self.security_groups[g]["GroupName"]}
                       for g in e.get("_groups", []) if g in self.security_groups]
        d["TagSet"] = self._tag_list(e["NetworkInterfaceId"])
        return d

    def _alloc_ip(self, subnet):
        net = ipaddress.ip_network(subnet["CidrBlock"])
        used = {e["PrivateIpAddress"] for e in self.enis.values() if e["SubnetId"] == subnet["SubnetId"]}
        for i in range(4, net.num_addresses - 1):
            ip = str(net.network_address + i)
            if ip not in used:
                return ip
        raise EC2Error("InsufficientFreeAddressesInSubnet", "The specified subnet %s has no free "
                       "addresses" % subnet["SubnetId"])

    def _new_eni(self, ep, subnet, groups):
        eid = self.new_id("eni")
        ip = self._alloc_ip(subnet)
        dns = "ip-%s.%s" % (ip.replace(".", "-"),
                            "ec2.internal" if self.region == "us-east-1" else self.region + ".compute.internal")
        mac = ":".join(["0e"] + ["%02x" % self.rng.getrandbits(8) for _ in range(5)])
        eni = self._stamp({
            "NetworkInterfaceId": eid, "SubnetId": subnet["SubnetId"], "VpcId": subnet["VpcId"],
            "AvailabilityZone": subnet["AvailabilityZone"], "AvailabilityZoneId": subnet["AvailabilityZoneId"],
            "Description": "VPC Endpoint Interface %s" % ep["VpcEndpointId"],
            "InterfaceType": "vpc_endpoint", "MacAddress": mac, "OwnerId": self.account,
            "PrivateDnsName": dns, "PrivateIpAddress": ip,
            "PrivateIpAddresses": [{"Primary": True, "PrivateIpAddress": ip, "PrivateDnsName": dns}],
            "Ipv6Addresses": [], "RequesterId": "727180483921", "RequesterManaged": True,
            "SourceDestCheck": True, "Status": "in-use", "_groups": list(groups),
            "_endpoint": ep["VpcEndpointId"],
        })
        self.enis[eid] = eni
        return eni

    def op_DescribeNetworkInterfaces(self, p):
        filters = {
            "network-interface-id": lambda e: [e["NetworkInterfaceId"]],
            "subnet-id": lambda e: [e["SubnetId"]], "vpc-id": lambda e: [e["VpcId"]],
            "availability-zone": lambda e: [e["AvailabilityZone"]],
            "availability-zone-id": lambda e: [e["AvailabilityZoneId"]],
            "description": lambda e: [e["Description"]], "group-id": lambda e: e["_groups"],
            "interface-type": lambda e: [e["InterfaceType"]], "status": lambda e: [e["Status"]],
            "private-ip-address": lambda e: [e["PrivateIpAddress"]],
            "addresses.private-ip-address": lambda e: [e["PrivateIpAddress"]],
            "requester-managed": lambda e: [e["RequesterManaged"]],
            "requester-id": lambda e: [e["RequesterId"]], "owner-id": lambda e: [e["OwnerId"]],
            "mac-address": lambda e: [e["MacAddress"]], "private-dns-name": lambda e: [e["PrivateDnsName"]],
            "source-dest-check": lambda e: [e["SourceDestCheck"]],
        }
        return self._describe("DescribeNetworkInterfaces", p, self._sorted(self.enis),
                              lambda e: e["NetworkInterfaceId"], "NetworkInterfaceIds", "eni", filters,
                              self._view_eni, "NetworkInterfaces")

    # ================================================================== VPC endpoints
    def _view_ep(self, e):
        d = self._public(e)
        d["Groups"] = [{"GroupId": g, "GroupName": self.security_groups[g]["GroupName"]
                        if g in self.security_groups else None} for g in e.get("_groups", [])]
        if e["VpcEndpointType"] == "Gateway":
            d.pop("Groups")
            d["Groups"] = []
        d["DnsEntries"] = self._dns_entries(e)
        d["Tags"] = self._tag_list(e["VpcEndpointId"])
        return d

    def _dns_entries(self, e):
        if e["VpcEndpointType"] != "Interface" or e["State"] in ("deleting", "deleted"):
            return []
        svc = self._service(e["ServiceName"], "Interface")
        base = svc["BaseEndpointDnsNames"][0]
        stem = "%s-%s" % (e["VpcEndpointId"], e["_dns_suffix"])
        zone = "Z7HUB22UULQXV" if self.region == "us-east-1" else "Z1" + hashlib.sha256(
            self.region.encode()).hexdigest()[:11].upper()
        out = [{"DnsName": "%s.%s" % (stem, base), "HostedZoneId": zone}]
        for sid in e["SubnetIds"]:
            s = self.subnets.get(sid)
            if s:
                out.append({"DnsName": "%s-%s.%s" % (stem, s["AvailabilityZone"], base), "HostedZoneId": zone})
        if e.get("PrivateDnsEnabled") and svc.get("PrivateDnsName"):
            out.append({"DnsName": svc["PrivateDnsName"], "HostedZoneId": e["_phz"]})
        return out

    def _check_policy(self, doc, svc):
        if not svc["VpcEndpointPolicySupported"]:
            raise EC2Error("InvalidParameter", "The Vpc Endpoint Service '%s' does not support endpoint "
                           "policies" % svc["ServiceName"])
        try:
            obj = json.loads(doc)
        except ValueError:
            obj = None
        if not isinstance(obj, dict) or "Statement" not in obj:
            raise EC2Error("MalformedPolicyDocument", "The policy document is not valid JSON or has no "
                           "Statement")
        if len(doc) > 20480:
            raise EC2Error("InvalidParameter", "Policy document exceeds 20480 characters")

    def _check_rtbs(self, rtb_ids, vid, plid, ep_id=None):
        for rid in rtb_ids:
            rtb = self._get(rid, "rtb")
            if rtb["VpcId"] != vid:
                raise EC2Error("InvalidParameter", "Route table %s does not belong to vpc %s" % (rid, vid))
            for r in rtb["_routes"]:
                if r.get("DestinationPrefixListId") == plid and r.get("GatewayId") != ep_id:
                    raise EC2Error("RouteAlreadyExists", "route table %s already has a route with "
                                   "destination-prefix-list-id %s" % (rid, plid))
        if len(set(rtb_ids)) != len(rtb_ids):
            raise EC2Error("InvalidParameter", "Duplicate route table ids")

    def _check_subnets(self, subnet_ids, vid, existing=()):
        azs = {}
        for sid in existing:
            if sid in self.subnets:
                azs[self.subnets[sid]["AvailabilityZone"]] = sid
        for sid in subnet_ids:
            s = self._get(sid, "subnet")
            if s["VpcId"] != vid:
                raise EC2Error("InvalidParameter", "The subnet %s does not belong to vpc %s" % (sid, vid))
            if s["AvailabilityZone"] in azs:
                raise EC2Error("DuplicateSubnetsInSameZone",
                               "Found another VPC endpoint subnet in the availability zone of %s. VPC "
                               "endpoint subnets should be in different availability zones supported by "
                               "the VPC endpoint service." % sid)
            azs[s["AvailabilityZone"]] = sid

    def _check_groups(self, group_ids, vid):
        for gid in group_ids:
            g = self._get(gid, "sg")
            if g["VpcId"] != vid:
                raise EC2Error("InvalidParameter", "The security group %s does not belong to vpc %s"
                               % (gid, vid))

    def _check_private_dns(self, vpc, svc, ep_id=None):
        if not (vpc["_dns_support"] and vpc["_dns_hostnames"]):
            raise EC2Error("InvalidParameter", "Enabling private DNS requires both enableDnsSupport and "
                           "enableDnsHostnames VPC attributes set to true for %s" % vpc["VpcId"])
        for e in self.endpoints.values():
            if (e["VpcId"] == vpc["VpcId"] and e["ServiceName"] == svc["ServiceName"]
                    and e["VpcEndpointId"] != ep_id and e.get("PrivateDnsEnabled")
                    and e["State"] not in ("deleting", "deleted")):
                raise EC2Error("InvalidParameter", "private-dns-enabled cannot be set because there is "
                               "already a conflicting DNS domain for %s in the VPC %s"
                               % (svc.get("PrivateDnsName"), vpc["VpcId"]))

    def _set_gateway_routes(self, ep, add, remove):
        plid = self.pl_by_service[ep["ServiceName"]]
        for rid in remove:
            rtb = self.route_tables.get(rid)
            if rtb:
                rtb["_routes"] = [r for r in rtb["_routes"] if r.get("GatewayId") != ep["VpcEndpointId"]]
        for rid in add:
            rtb = self.route_tables[rid]
            if not any(r.get("GatewayId") == ep["VpcEndpointId"] for r in rtb["_routes"]):
                rtb["_routes"].append({"DestinationPrefixListId": plid, "GatewayId": ep["VpcEndpointId"],
                                       "Origin": "CreateRoute", "State": "active"})

    def op_CreateVpcEndpoint(self, p):
        tags = self._tag_specs("CreateVpcEndpoint", p)
        etype = p.get("VpcEndpointType", "Gateway")
        if etype in ("Resource", "ServiceNetwork"):
            raise EC2Error("InvalidParameter", "Endpoint type %s is not supported by ec2sim" % etype)
        if etype == "GatewayLoadBalancer":
            raise EC2Error("InvalidServiceName", "The Vpc Endpoint Service '%s' does not exist"
                           % p.get("ServiceName", ""))
        if "ServiceName" not in p:
            raise EC2Error("MissingParameter", "The request must contain the parameter ServiceName")
        vpc = self._get(p["VpcId"], "vpc")
        svc = self._service(p["ServiceName"], etype)
        if p.get("ServiceRegion") not in (None, self.region):
            raise EC2Error("InvalidParameter", "Cross-region endpoints are not supported by ec2sim")
        if p.get("SubnetConfigurations"):
            for c in p["SubnetConfigurations"]:
                if c.get("SubnetId") not in (p.get("SubnetIds") or []):
                    raise EC2Error("InvalidParameter", "Subnet configuration for %s is not in SubnetIds"
                                   % c.get("SubnetId"))
        if "PolicyDocument" in p:
            self._check_policy(p["PolicyDocument"], svc)
        eid = self.new_id("vpce")
        ep = {"VpcEndpointId": eid, "VpcEndpointType": etype, "VpcId": vpc["VpcId"],
              "ServiceName": svc["ServiceName"], "State": "pending",
              "RouteTableIds": [], "SubnetIds": [], "NetworkInterfaceIds": [],
              "RequesterManaged": False, "OwnerId": self.account, "ServiceRegion": self.region,
              "_groups": [], "_dns_suffix": "%08x" % self.rng.getrandbits(32),
              "_phz": "Z%020X" % self.rng.getrandbits(80)}
        if etype == "Gateway":
            for bad in ("SubnetIds", "SecurityGroupIds", "DnsOptions", "IpAddressType",
                        "SubnetConfigurations"):
                if p.get(bad):
                    raise EC2Error("InvalidParameter", "%s is not supported for Gateway endpoints" % bad)
            if p.get("PrivateDnsEnabled"):
                raise EC2Error("InvalidParameter", "PrivateDnsEnabled is not supported for Gateway endpoints")
            plid = self.pl_by_service[svc["ServiceName"]]
            rtbs = p.get("RouteTableIds") or []
            self._check_rtbs(rtbs, vpc["VpcId"], plid)
            ep["PolicyDocument"] = p.get("PolicyDocument", GATEWAY_POLICY)
            ep["PrivateDnsEnabled"] = False
            ep["RouteTableIds"] = list(rtbs)
        else:
            if p.get("RouteTableIds"):
                raise EC2Error("InvalidParameter", "RouteTableIds is not supported for Interface endpoints")
            subnets = p.get("SubnetIds") or []
            if len(set(subnets)) != len(subnets):
                raise EC2Error("InvalidParameter", "Duplicate subnet ids")
            self._check_subnets(subnets, vpc["VpcId"])
            groups = p.get("SecurityGroupIds") or []
            self._check_groups(groups, vpc["VpcId"])
            if not groups:
                groups = [g["GroupId"] for g in self.security_groups.values()
                          if g["VpcId"] == vpc["VpcId"] and g["GroupName"] == "default"]
            pdns = p.get("PrivateDnsEnabled")
            if pdns is None:
                pdns = bool(svc.get("PrivateDnsName")) and not svc["ServiceName"].endswith(".s3")
            if pdns:
                if not svc.get("PrivateDnsName"):
                    raise EC2Error("InvalidParameter", "The service %s does not provide a private DNS name"
                                   % svc["ServiceName"])
                self._check_private_dns(vpc, svc)
            ipt = p.get("IpAddressType", "ipv4")
            if ipt not in ("ipv4",):
                raise EC2Error("InvalidParameter", "IpAddressType %s is not supported by the service "
                               "(only ipv4)" % ipt)
            dns_opts = p.get("DnsOptions") or {}
            if dns_opts.get("DnsRecordIpType", "ipv4") not in ("ipv4", "service-defined"):
                raise EC2Error("InvalidParameter", "DnsRecordIpType %s requires IPv6 support"
                               % dns_opts["DnsRecordIpType"])
            ep["PolicyDocument"] = p.get("PolicyDocument", INTERFACE_POLICY)
            ep["PrivateDnsEnabled"] = pdns
            ep["IpAddressType"] = ipt
            ep["DnsOptions"] = {"DnsRecordIpType": dns_opts.get("DnsRecordIpType", "ipv4"),
                                "PrivateDnsOnlyForInboundResolverEndpoint":
                                    dns_opts.get("PrivateDnsOnlyForInboundResolverEndpoint", False)}
            ep["_groups"] = list(groups)
            ep["SubnetIds"] = list(subnets)
        self._stamp(ep)
        ep["CreationTimestamp"] = format_time(ep["_created"])
        self._begin_busy(ep)
        self.endpoints[eid] = ep
        if etype == "Gateway":
            self._set_gateway_routes(ep, ep["RouteTableIds"], [])
        else:
            for sid in ep["SubnetIds"]:
                ep["NetworkInterfaceIds"].append(self._new_eni(ep, self.subnets[sid], ep["_groups"])
                                                 ["NetworkInterfaceId"])
        self._apply_tags(eid, tags)
        out = {"VpcEndpoint": self._view_ep(ep)}
        if "ClientToken" in p:
            out["ClientToken"] = p["ClientToken"]
        return out

    def _begin_busy(self, ep):
        ms = self._cfg("pending_ms", 0)
        ep["_busy_until"] = self._now() + ms / 1000.0
        ep["State"] = "pending" if ms > 0 else "available"

    def op_ModifyVpcEndpoint(self, p):
        ep = self._get(p["VpcEndpointId"], "vpce")
        eid = ep["VpcEndpointId"]
        if ep["State"] == "pending":
            raise EC2Error("OperationInProgress", "The VPC endpoint %s is currently being created or "
                           "modified; wait until it is available and try again." % eid)
        if ep["State"] in ("deleting", "deleted"):
            raise EC2Error("IncorrectState", "The VPC endpoint %s is in state %s" % (eid, ep["State"]))
        vpc = self.vpcs[ep["VpcId"]]
        gateway = ep["VpcEndpointType"] == "Gateway"
        svc = self._service(ep["ServiceName"], ep["VpcEndpointType"])

        def pair(add, rem):
            a, r = p.get(add) or [], p.get(rem) or []
            both = set(a) & set(r)
            if both:
                raise EC2Error("InvalidParameter", "%s appears in both %s and %s"
                               % (sorted(both)[0], add, rem))
            return a, r
        add_rt, rem_rt = pair("AddRouteTableIds", "RemoveRouteTableIds")
        add_sn, rem_sn = pair("AddSubnetIds", "RemoveSubnetIds")
        add_sg, rem_sg = pair("AddSecurityGroupIds", "RemoveSecurityGroupIds")
        if gateway:
            for k in ("AddSubnetIds", "RemoveSubnetIds", "AddSecurityGroupIds", "RemoveSecurityGroupIds",
                      "PrivateDnsEnabled", "DnsOptions", "IpAddressType", "SubnetConfigurations"):
                if p.get(k):
                    raise EC2Error("InvalidParameter", "%s is not supported for Gateway endpoints" % k)
        elif add_rt or rem_rt:
            raise EC2Error("InvalidParameter", "Route tables can only be modified for Gateway endpoints")
        if p.get("ResetPolicy") and "PolicyDocument" in p:
            raise EC2Error("InvalidParameterCombination",
                           "ResetPolicy and PolicyDocument cannot be specified together")
        if "PolicyDocument" in p:
            self._check_policy(p["PolicyDocument"], svc)
        # validate everything before changing anything
        plid = self.pl_by_service.get(ep["ServiceName"])
        new_rt = [r for r in add_rt if r not in ep["RouteTableIds"]]
        if gateway:
            self._check_rtbs(new_rt, ep["VpcId"], plid, eid)
            for r in rem_rt:
                self._get(r, "rtb")
        new_sn = [s for s in add_sn if s not in ep["SubnetIds"]]
        keep_sn = [s for s in ep["SubnetIds"] if s not in rem_sn]
        for s in rem_sn:
            self._get(s, "subnet")
        self._check_subnets(new_sn, ep["VpcId"], keep_sn)
        self._check_groups(add_sg, ep["VpcId"])
        for g in rem_sg:
            self._get(g, "sg")
        groups = [g for g in ep["_groups"] if g not in rem_sg] + [g for g in add_sg if g not in ep["_groups"]]
        if not gateway and not groups:
            raise EC2Error("InvalidParameter", "An Interface endpoint needs at least one security group")
        pdns = p.get("PrivateDnsEnabled")
        if pdns:
            if not svc.get("PrivateDnsName"):
                raise EC2Error("InvalidParameter", "The service %s does not provide a private DNS name"
                               % svc["ServiceName"])
            self._check_private_dns(vpc, svc, eid)
        if p.get("IpAddressType", "ipv4") != "ipv4":
            raise EC2Error("InvalidParameter", "IpAddressType %s is not supported (only ipv4)"
                           % p["IpAddressType"])
        # apply
        if gateway:
            self._set_gateway_routes(ep, new_rt, rem_rt)
            ep["RouteTableIds"] = [r for r in ep["RouteTableIds"] if r not in rem_rt] + new_rt
        else:
            for eni_id in list(ep["NetworkInterfaceIds"]):
                eni = self.enis.get(eni_id)
                if eni and eni["SubnetId"] in rem_sn:
                    self.enis.pop(eni_id)
                    self.tags.pop(eni_id, None)
                    ep["NetworkInterfaceIds"].remove(eni_id)
            ep["SubnetIds"] = keep_sn + new_sn
            for sid in new_sn:
                ep["NetworkInterfaceIds"].append(self._new_eni(ep, self.subnets[sid], groups)
                                                 ["NetworkInterfaceId"])
            ep["_groups"] = groups
            for eni_id in ep["NetworkInterfaceIds"]:
                if eni_id in self.enis:
                    self.enis[eni_id]["_groups"] = list(groups)
            if pdns is not None:
                ep["PrivateDnsEnabled"] = pdns
            if "DnsOptions" in p:
                ep["DnsOptions"].update(p["DnsOptions"])
        if p.get("ResetPolicy"):
            ep["PolicyDocument"] = GATEWAY_POLICY if gateway else INTERFACE_POLICY
        elif "PolicyDocument" in p:
            ep["PolicyDocument"] = p["PolicyDocument"]
        self._begin_busy(ep)
        return {"Return": True}

    def op_DeleteVpcEndpoints(self, p):
        unsuccessful = []
        ms = self._cfg("pending_ms", 0)
        for eid in p["VpcEndpointIds"]:
            ep = self.endpoints.get(eid)
            if ep is None or ep["State"] == "deleted":
                unsuccessful.append({"ResourceId": eid, "Error": {
                    "Code": "InvalidVpcEndpoint.NotFound",
                    "Message": "The VpcEndpoint Id '%s' does not exist" % eid}})
                continue
            if ep["State"] == "deleting":
                continue
            if ep["VpcEndpointType"] == "Gateway":
                self._set_gateway_routes(ep, [], ep["RouteTableIds"])
            ep["State"] = "deleting"
            ep["_busy_until"] = self._now() + ms / 1000.0
        self._advance()
        return {"Unsuccessful": unsuccessful}

    def op_DescribeVpcEndpoints(self, p):
        filters = {"vpc-endpoint-id": lambda e: [e["VpcEndpointId"]], "vpc-id": lambda e: [e["VpcId"]],
                   "service-name": lambda e: [e["ServiceName"]],
                   "vpc-endpoint-state": lambda e: [e["State"]],
                   "vpc-endpoint-type": lambda e: [e["VpcEndpointType"]],
                   "ip-address-type": lambda e: [e.get("IpAddressType", "ipv4")],
                   "service-region": lambda e: [e["ServiceRegion"]]}
        return self._describe("DescribeVpcEndpoints", p, self._sorted(self.endpoints),
                              lambda e: e["VpcEndpointId"], "VpcEndpointIds", "vpce", filters,
                              self._view_ep, "VpcEndpoints")

    # ================================================================== network ACLs
    def _new_nacl(self, vid, default):
        aid = self.new_id("acl")
        acl = self._stamp({"NetworkAclId": aid, "VpcId": vid, "OwnerId": self.account,
                           "IsDefault": default, "_entries": [], "_assocs": []})
        self.nacls[aid] = acl
        return acl

    def _view_nacl(self, a):
        d = self._public(a)
        final = [{"RuleNumber": 32767, "Protocol": "-1", "RuleAction": "deny", "Egress": e,
                  "CidrBlock": "0.0.0.0/0"} for e in (False, True)]
        d["Entries"] = sorted(copy.deepcopy(a["_entries"]) + final,
                              key=lambda x: (x["Egress"], x["RuleNumber"]))
        d["Associations"] = copy.deepcopy(a["_assocs"])
        d["Tags"] = self._tag_list(a["NetworkAclId"])
        return d

    def op_CreateNetworkAcl(self, p):
        tags = self._tag_specs("CreateNetworkAcl", p)
        self._get(p["VpcId"], "vpc")
        acl = self._new_nacl(p["VpcId"], False)
        self._apply_tags(acl["NetworkAclId"], tags)
        out = {"NetworkAcl": self._view_nacl(acl)}
        if "ClientToken" in p:
            out["ClientToken"] = p["ClientToken"]
        return out

    def op_DeleteNetworkAcl(self, p):
        aid = p["NetworkAclId"]
        acl = self._get(aid, "acl")
        if acl["IsDefault"]:
            raise EC2Error("InvalidParameterValue", "cannot delete default network ACL %s" % aid)
        if acl["_assocs"]:
            raise EC2Error("DependencyViolation",
                           "The networkAcl '%s' has dependencies and cannot be deleted." % aid)
        self._forget(self.nacls, aid)
        return {}

    def _entry_from(self, p):
        """A network ACL entry from Create/ReplaceNetworkAclEntry parameters, checked as EC2 does."""
        rn = p["RuleNumber"]
        if not 1 <= rn <= 32766:
            raise invalid_value(rn, "ruleNumber", "Rule numbers must be between 1 and 32766.")
        proto = p["Protocol"]
        if proto != "-1" and not (proto.isdigit() and 0 <= int(proto) <= 255):
            raise invalid_value(proto, "protocol", "Use -1 or a protocol number from 0 to 255.")
        v4, v6 = p.get("CidrBlock"), p.get("Ipv6CidrBlock")
        if v4 is None and v6 is None:
            raise EC2Error("MissingParameter", "Either 'cidrBlock' or 'ipv6CidrBlock' should be provided.")
        if v4 is not None and v6 is not None:
            raise EC2Error("InvalidParameterCombination",
                           "Only one of cidrBlock or ipv6CidrBlock may be specified")
        e = {"RuleNumber": rn, "Protocol": proto, "RuleAction": p["RuleAction"], "Egress": p["Egress"]}
        if v4 is not None:
            e["CidrBlock"] = str(parse_cidr(v4, "cidrBlock"))
        else:
            e["Ipv6CidrBlock"] = str(parse_cidr(v6, "ipv6CidrBlock", v6=True))
        if proto in ("6", "17"):
            pr = p.get("PortRange")
            if pr is None or "From" not in pr or "To" not in pr:
                raise EC2Error("MissingParameter", "The request must contain the parameter portRange")
            if not (0 <= pr["From"] <= 65535 and 0 <= pr["To"] <= 65535) or pr["From"] > pr["To"]:
                raise invalid_value("%d-%d" % (pr["From"], pr["To"]), "portRange")
            e["PortRange"] = {"From": pr["From"], "To": pr["To"]}
        elif proto in ("1", "58"):
            ic = p.get("IcmpTypeCode")
            if ic is None or "Type" not in ic or "Code" not in ic:
                raise EC2Error("MissingParameter", "The request must contain the parameter icmpTypeCode")
            e["IcmpTypeCode"] = {"Type": ic["Type"], "Code": ic["Code"]}
        return e

    @staticmethod
    def _entry_index(acl, rn, egress):
        for i, x in enumerate(acl["_entries"]):
            if x["RuleNumber"] == rn and x["Egress"] == egress:
                return i
        return None

    def op_CreateNetworkAclEntry(self, p):
        acl = self._get(p["NetworkAclId"], "acl")
        e = self._entry_from(p)
        if self._entry_index(acl, e["RuleNumber"], e["Egress"]) is not None:
            raise EC2Error("NetworkAclEntryAlreadyExists",
                           "The network acl entry identified by %d already exists." % e["RuleNumber"])
        acl["_entries"].append(e)
        return {}

    def op_ReplaceNetworkAclEntry(self, p):
        acl = self._get(p["NetworkAclId"], "acl")
        e = self._entry_from(p)
        i = self._entry_index(acl, e["RuleNumber"], e["Egress"])
        if i is None:
            raise EC2Error("InvalidNetworkAclEntry.NotFound",
                           "The network acl entry identified by %d could not be found." % e["RuleNumber"])
        acl["_entries"][i] = e
        return {}

    def op_DeleteNetworkAclEntry(self, p):
        acl = self._get(p["NetworkAclId"], "acl")
        i = self._entry_index(acl, p["RuleNumber"], p["Egress"])
        if i is None:
            raise EC2Error("InvalidNetworkAclEntry.NotFound",
                           "The network acl entry identified by %d could not be found." % p["RuleNumber"])
        del acl["_entries"][i]
        return {}

    def op_ReplaceNetworkAclAssociation(self, p):
        target = self._get(p["NetworkAclId"], "acl")
        for acl in self.nacls.values():
            for a in acl["_assocs"]:
                if a["NetworkAclAssociationId"] != p["AssociationId"]:
                    continue
                if acl["VpcId"] != target["VpcId"]:
                    raise EC2Error("InvalidParameterValue", "Network ACL %s and subnet %s belong to "
                                   "different VPCs" % (target["NetworkAclId"], a["SubnetId"]))
                acl["_assocs"].remove(a)
                new = {"NetworkAclAssociationId": self.new_id("aclassoc"),
                       "NetworkAclId": target["NetworkAclId"], "SubnetId": a["SubnetId"]}
                target["_assocs"].append(new)
                return {"NewAssociationId": new["NetworkAclAssociationId"]}
        raise EC2Error("InvalidAssociationID.NotFound",
                       "The association ID '%s' does not exist" % p["AssociationId"])

    def op_DescribeNetworkAcls(self, p):
        def assocs(key):
            return lambda a: [x[key] for x in a["_assocs"]]

        def entries(key):
            return lambda a: [x.get(key) for x in self._view_nacl(a)["Entries"] if x.get(key) is not None]
        filters = {
            "network-acl-id": lambda a: [a["NetworkAclId"]], "vpc-id": lambda a: [a["VpcId"]],
            "default": lambda a: [a["IsDefault"]], "owner-id": lambda a: [a["OwnerId"]],
            "association.association-id": assocs("NetworkAclAssociationId"),
            "association.network-acl-id": assocs("NetworkAclId"),
            "association.subnet-id": assocs("SubnetId"),
            "entry.cidr": entries("CidrBlock"), "entry.ipv6-cidr": entries("Ipv6CidrBlock"),
            "entry.egress": entries("Egress"), "entry.protocol": entries("Protocol"),
            "entry.rule-action": entries("RuleAction"), "entry.rule-number": entries("RuleNumber"),
        }
        return self._describe("DescribeNetworkAcls", p, self._sorted(self.nacls),
                              lambda a: a["NetworkAclId"], "NetworkAclIds", "acl", filters,
                              self._view_nacl, "NetworkAcls")

    # ================================================================== drift helper
    def mutate(self, req):
        """Control endpoint POST /_sim/mutate: change the world behind the client's back.
        {"op": "delete", "id": ID} removes any resource without dependency checks (routes of a
        gateway endpoint and ENIs of an interface endpoint go with it);
        {"op": "tag", "id": ID, "key": K, "value": V}; {"op": "untag", "id": ID, "key": K};
        {"op": "set", "id": ID, "field": F, "value": V} sets a stored field (e.g. State)."""
        with self.lock:
            op, rid = req.get("op"), req.get("id", "")
            prefix = rid.rsplit("-", 1)[0] if "-" in rid else ""
            if prefix not in ID_KINDS:
                raise KeyError("unknown id %r" % rid)
            coll = getattr(self, ID_KINDS[prefix][0])
            if rid not in coll:
                raise KeyError("no such resource %r" % rid)
            res = coll[rid]
            if op == "delete":
                if prefix == "vpce":
                    if res["VpcEndpointType"] == "Gateway":
                        self._set_gateway_routes(res, [], res["RouteTableIds"])
                    for eni_id in res["NetworkInterfaceIds"]:
                        self.enis.pop(eni_id, None)
                if prefix == "sg":
                    for r in self._rules_of(rid):
                        self._forget(self.sg_rules, r["SecurityGroupRuleId"])
                if prefix == "eni":
                    for e in self.endpoints.values():
                        if rid in e["NetworkInterfaceIds"]:
                            e["NetworkInterfaceIds"].remove(rid)
                self._forget(coll, rid)
            elif op == "tag":
                self.tags.setdefault(rid, {})[req["key"]] = req.get("value", "")
            elif op == "untag":
                self.tags.get(rid, {}).pop(req["key"], None)
            elif op == "set":
                res[req["field"]] = req["value"]
            else:
                raise KeyError("unknown op %r" % op)
            return {"ok": True}
