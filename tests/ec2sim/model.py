"""The EC2 API model: request validation and response serialization, both driven by
botocore's EC2 model (tests/data/ec2-model/ec2-vpc-subset.json) by walking its shapes.

Input: the flat Query parameters (`Filter.1.Value.2=x`) are turned into a nested value keyed by
the model's member names ({"Filters": [{"Name": ..., "Values": [...]}]}), rejecting any name the
input shape does not have (UnknownParameter), missing required members (MissingParameter) and
malformed scalars / enum values / integer bounds (InvalidParameterValue).

Output: a nested dict keyed by model member names is written as EC2 XML, element names taken
from the output shape's `locationName`s, lists as <item>.
"""

import json
import os
import re
from datetime import datetime, timezone
from xml.sax.saxutils import escape

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_MODEL = os.path.join(HERE, "..", "data", "ec2-model", "ec2-vpc-subset.json")
API_VERSION = "2016-11-15"
XMLNS = "http://ec2.amazonaws.com/doc/2016-11-15/"


class EC2Error(Exception):
    """An EC2 error answer: code, message, HTTP status."""

    def __init__(self, code, message, status=400):
        super().__init__("%s: %s" % (code, message))
        self.code = code
        self.message = message
        self.status = status


def invalid_value(value, param, extra=""):
    msg = "Value (%s) for parameter %s is invalid." % (value, param)
    if extra:
        msg += " " + extra
    return EC2Error("InvalidParameterValue", msg)


class Model:
    def __init__(self, path=DEFAULT_MODEL):
        with open(path, encoding="utf-8") as fh:
            data = json.load(fh)
        self.operations = data["operations"]
        self.shapes = data["shapes"]
        self.paginators = data.get("paginators", {})
        self._filter_names = {}

    # ------------------------------------------------------------------ helpers
    @staticmethod
    def wire_name(member_name, member):
        """EC2 wire-name rules: queryName, else locationName capitalised, else member name."""
        if "queryName" in member:
            return member["queryName"]
        loc = member.get("locationName")
        if loc:
            return loc[0].upper() + loc[1:]
        return member_name

    def input_shape(self, action):
        return self.operations[action]["input"]["shape"]

    def output_shape(self, action):
        out = self.operations[action].get("output")
        return out["shape"] if out else None

    def has_input_member(self, action, name):
        return name in self.shapes[self.input_shape(action)].get("members", {})

    def documented_filters(self, action):
        """Filter names listed in the Filters member's documentation (`<code>name</code> - `)."""
        if action in self._filter_names:
            return self._filter_names[action]
        shape = self.shapes[self.input_shape(action)]
        names = set()
        for mname, m in shape.get("members", {}).items():
            if mname == "Filters":
                doc = m.get("documentation", "")
                for n in re.findall(r"<code>\s*([a-zA-Z0-9:.\-]+?)\s*</code>\s*(?:&lt;key&gt;)?\s*-", doc):
                    names.add(n)
        self._filter_names[action] = names
        return names

    # ------------------------------------------------------------------ input
    def parse_input(self, action, params):
        """params: dict wire-name -> string (without Action/Version). Returns nested dict."""
        trie = {}
        for key, value in params.items():
            node = trie
            parts = key.split(".")
            for i, part in enumerate(parts):
                if i == len(parts) - 1:
                    existing = node.get(part)
                    if isinstance(existing, dict):
                        existing[""] = value
                    else:
                        node[part] = value
                else:
                    nxt = node.get(part)
                    if nxt is None:
                        nxt = {}
                        node[part] = nxt
                    elif not isinstance(nxt, dict):
                        nxt = {"": nxt}
                        node[part] = nxt
                    node = nxt
        return self._parse_struct(self.input_shape(action), trie, "")

    def _first_leaf(self, node, prefix):
        if not isinstance(node, dict):
            return prefix
        for k in sorted(node):
            return self._first_leaf(node[k], prefix + ("." if prefix and k else "") + k)
        return prefix

    def _parse_struct(self, shape_name, node, prefix):
        shape = self.shapes[shape_name]
        if not isinstance(node, dict) or "" in node:
            raise EC2Error("UnknownParameter", "The parameter %s is not recognized" % prefix)
        by_wire = {}
        for mname, m in shape.get("members", {}).items():
            by_wire[self.wire_name(mname, m)] = (mname, m)
        out = {}
        for key in sorted(node):
            if key not in by_wire:
                raise EC2Error("UnknownParameter", "The parameter %s is not recognized"
                               % self._first_leaf(node[key], prefix + ("." if prefix else "") + key))
            mname, m = by_wire[key]
            out[mname] = self._parse_value(m["shape"], node[key], prefix + ("." if prefix else "") + key)
        for req in shape.get("required", []):
            if req not in out:
                m = shape["members"][req]
                raise EC2Error("MissingParameter", "The request must contain the parameter %s"
                               % (prefix + ("." if prefix else "") + self.wire_name(req, m)))
        return out

    def _parse_value(self, shape_name, node, path):
        shape = self.shapes[shape_name]
        t = shape["type"]
        if t == "structure":
            return self._parse_struct(shape_name, node, path)
        if t == "list":
            if not isinstance(node, dict) or "" in node:
                raise EC2Error("UnknownParameter", "The parameter %s is not recognized" % path)
            items = []
            for key in node:
                if not key.isdigit() or int(key) < 1:
                    raise EC2Error("UnknownParameter", "The parameter %s is not recognized"
                                   % self._first_leaf(node[key], path + "." + key))
                items.append((int(key), key))
            items.sort()
            return [self._parse_value(shape["member"]["shape"], node[k], path + "." + k) for _, k in items]
        if t == "map":
            raise EC2Error("UnknownParameter", "The parameter %s is not recognized" % path)
        if isinstance(node, dict):
            raise EC2Error("UnknownParameter", "The parameter %s is not recognized"
                           % self._first_leaf(node, path))
        return self._parse_scalar(shape, node, path)

    def _parse_scalar(self, shape, value, path):
        t = shape["type"]
        if t == "string":
            if "enum" in shape and value not in shape["enum"]:
                raise invalid_value(value, path, "Valid values: %s" % ", ".join(shape["enum"])
                                    if len(shape["enum"]) <= 20 else "")
            return value
        if t in ("integer", "long"):
            if not re.fullmatch(r"-?[0-9]{1,19}", value):
                raise invalid_value(value, path, "Expected an integer.")
            v = int(value)
            if t == "integer" and not -2 ** 31 <= v < 2 ** 31:
                raise invalid_value(value, path, "Integer out of range.")
            if "min" in shape and v < shape["min"] or "max" in shape and v > shape["max"]:
                raise invalid_value(value, path, "It must be between %s and %s."
                                    % (shape.get("min"), shape.get("max")))
            return v
        if t == "boolean":
            low = value.lower()
            if low not in ("true", "false"):
                raise invalid_value(value, path, "Expected true or false.")
            return low == "true"
        if t in ("double", "float"):
            try:
                return float(value)
            except ValueError:
                raise invalid_value(value, path) from None
        if t == "timestamp":
            if not re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:?\d\d)?", value):
                raise invalid_value(value, path, "Expected an ISO 8601 timestamp.")
            return value
        return value

    # ------------------------------------------------------------------ output
    def serialize_response(self, action, result, request_id):
        parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<%sResponse xmlns="%s">' % (action, XMLNS),
                 "<requestId>%s</requestId>" % request_id]
        shape = self.output_shape(action)
        if shape is None:
            parts.append("<return>true</return>")
        else:
            self._ser_members(shape, result or {}, parts)
        parts.append("</%sResponse>" % action)
        return "".join(parts)

    def _ser_members(self, shape_name, value, parts):
        shape = self.shapes[shape_name]
        for mname, m in shape.get("members", {}).items():
            v = value.get(mname)
            if v is None:
                continue
            loc = m.get("locationName") or (mname[0].lower() + mname[1:])
            self._ser_value(m["shape"], v, loc, parts)

    def _ser_value(self, shape_name, v, tag, parts):
        shape = self.shapes[shape_name]
        t = shape["type"]
        if t == "structure":
            parts.append("<%s>" % tag)
            self._ser_members(shape_name, v, parts)
            parts.append("</%s>" % tag)
        elif t == "list":
            if not v:
                parts.append("<%s/>" % tag)
                return
            itag = shape["member"].get("locationName", "item")
            parts.append("<%s>" % tag)
            for item in v:
                self._ser_value(shape["member"]["shape"], item, itag, parts)
            parts.append("</%s>" % tag)
        elif t == "boolean":
            parts.append("<%s>%s</%s>" % (tag, "true" if v else "false", tag))
        elif t == "timestamp":
            if isinstance(v, (int, float)):
                v = format_time(v)
            parts.append("<%s>%s</%s>" % (tag, escape(str(v)), tag))
        else:
            parts.append("<%s>%s</%s>" % (tag, escape(str(v)), tag))


def format_time(epoch):
    dt = datetime.fromtimestamp(epoch, tz=timezone.utc)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % (dt.microsecond // 1000)


def error_xml(code, message, request_id):
    return ('<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>%s</Code>'
            "<Message>%s</Message></Error></Errors><RequestID>%s</RequestID></Response>"
            % (escape(code), escape(message), request_id))
