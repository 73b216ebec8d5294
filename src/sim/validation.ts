/** Name and label validation with the API server's messages. */
import { Cause, F } from './errors';
import { ResDef } from './resources';
import { J, isObj } from './util';

// Name / label validation (apimachinery validation messages)
// ---------------------------------------------------------------------------

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

const MSG_LABEL =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const MSG_SUBDOMAIN =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const MSG_DNS1035 =
  "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')";
const MSG_NAME_PART =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
const MSG_LABEL_VALUE =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";

export function dnsLabelErrors(v: string): string[] {
  const e: string[] = [];
  if (v.length > 63) e.push('must be no more than 63 characters');
  if (!DNS1123_LABEL.test(v)) e.push(MSG_LABEL);
  return e;
}

function subdomainErrors(v: string): string[] {
  const e: string[] = [];
  if (v.length > 253) e.push('must be no more than 253 characters');
  if (!DNS1123_SUBDOMAIN.test(v)) e.push(MSG_SUBDOMAIN);
  return e;
}

export function nameErrors(rule: ResDef['nameRule'], v: string): string[] {
  switch (rule) {
    case 'label':
      return dnsLabelErrors(v);
    case 'dns1035': {
      const e: string[] = [];
      if (v.length > 63) e.push('must be no more than 63 characters');
      if (!DNS1035_LABEL.test(v)) e.push(MSG_DNS1035);
      return e;
    }
    case 'path':
      if (v === '.' || v === '..') return [`may not be '${v}'`];
      if (v.includes('/')) return ["may not contain '/'"];
      if (v.includes('%')) return ["may not contain '%'"];
      return [];
    default:
      return subdomainErrors(v);
  }
}

export function qualifiedNameErrors(key: string): string[] {
  const parts = key.split('/');
  let name = key;
  const e: string[] = [];
  if (parts.length === 2) {
    const prefix = parts[0] as string;
    name = parts[1] as string;
    if (prefix.length === 0) e.push('prefix part must be non-empty');
    else for (const m of subdomainErrors(prefix)) e.push('prefix part ' + m);
  } else if (parts.length > 2) {
    return [
      "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
    ];
  }
  if (name.length === 0) e.push('name part must be non-empty');
  else {
    if (name.length > 63) e.push('name part must be no more than 63 characters');
    if (!QUALIFIED_NAME_PART.test(name)) e.push(MSG_NAME_PART);
  }
  return e;
}

export function labelValueErrors(v: string): string[] {
  const e: string[] = [];
  if (v.length > 63) e.push('must be no more than 63 characters');
  if (!LABEL_VALUE.test(v)) e.push(MSG_LABEL_VALUE);
  return e;
}

export function validateLabels(labels: J, field: string, out: Cause[]): void {
  if (!isObj(labels)) return;
  for (const [k, v] of Object.entries(labels)) {
    for (const m of qualifiedNameErrors(k)) out.push(F.invalid(field, k, m));
    for (const m of labelValueErrors(String(v))) out.push(F.invalid(field, v, m));
  }
}

// ---------------------------------------------------------------------------
