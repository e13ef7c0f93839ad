/**
 * The Identity screen's groups and customer managed policies: list, create and delete groups (a group with
 * members or policies gets the server's DeleteConflict, shown in place), a group's members, inline policies and
 * attached managed policies; list, create (the server validates the document: its MalformedPolicyDocument shown
 * in place), view and delete customer managed policies; and the pickers the user panel shares (its groups, the
 * managed policies to attach). Everything through Cairn's IAM API, signed with the long-term credentials.
 */
import { ApiError, kid, text, type Cairn } from './api.js';
import { clear, field, h } from './dom.js';
import { addChoices, attachChoices, bucketPolicyForm, type PolicyChoice } from './logic.js';

/** What these sections borrow from the console's shell. */
export interface GroupsDeps {
  readonly api: Cairn;
  /** Runs an action, showing its failure in the alert box; undefined means it failed. */
  readonly guard: <T>(f: () => Promise<T>) => Promise<unknown>;
  readonly say: (msg: string) => void;
  /** A user's panel, opened from a group's member list. */
  readonly showUser: (name: string) => Promise<void>;
  /** Called after an attach or detach (the managed policies' attachment counts change). */
  readonly attachmentsChanged: () => Promise<void>;
}

/** The message of a failure, for an inline error: the server's code and message. */
export function failureText(e: unknown): string {
  return e instanceof ApiError ? `${e.code}: ${e.message}` : e instanceof Error ? e.message : String(e);
}

/** IAM returns policy documents URL-encoded (RFC 3986), as AWS does. */
export function policyText(encoded: string): string {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return encoded;
  }
}

/** Every page of a listing's members (IsTruncated / Marker), each member that has `field`. */
async function listAll(a: Cairn, action: string, params: Record<string, string>, field: string): Promise<Element[]> {
  const all: Element[] = [];
  let marker: string | undefined;
  for (;;) {
    const doc = await a.query('iam', action, { ...params, MaxItems: '1000', ...(marker ? { Marker: marker } : {}) });
    all.push(...[...doc.getElementsByTagName('member')].filter((m) => kid(m, field)));
    const result = kid(doc, `${action}Result`);
    if (text(result, 'IsTruncated') !== 'true') return all;
    marker = text(result, 'Marker');
  }
}

/** The account's customer managed policies (ListPolicies Scope=Local). */
export async function localPolicies(a: Cairn): Promise<Element[]> {
  return listAll(a, 'ListPolicies', { Scope: 'Local' }, 'PolicyName');
}

/** The account's groups. */
export async function groupNames(a: Cairn): Promise<string[]> {
  return (await listAll(a, 'ListGroups', {}, 'GroupName')).map((g) => text(g, 'GroupName'));
}

/** A managed policy's default version's document. */
export async function managedDocument(a: Cairn, arn: string): Promise<string> {
  const p = await a.query('iam', 'GetPolicy', { PolicyArn: arn });
  const version = p.getElementsByTagName('DefaultVersionId')[0]?.textContent ?? 'v1';
  const v = await a.query('iam', 'GetPolicyVersion', { PolicyArn: arn, VersionId: version });
  return policyText(v.getElementsByTagName('Document')[0]?.textContent ?? '');
}

/** A button whose failure is written to `err` (in place) instead of the alert box. */
function inPlace(err: HTMLElement, label: string, attrs: Record<string, unknown>, f: () => Promise<void>): HTMLElement {
  return h(
    'button',
    {
      ...attrs,
      onclick: async () => {
        err.textContent = '';
        try {
          await f();
        } catch (e) {
          err.textContent = failureText(e);
        }
      },
    },
    label,
  );
}

/**
 * The "attach a managed policy" picker: the customer managed policies and the AWS managed ones not attached yet,
 * plus a free ARN field (the ARN wins when filled).
 */
export async function attachPicker(a: Cairn, attachedArns: string[], entity: string, attach: (arn: string) => Promise<void>): Promise<HTMLElement> {
  const mine: PolicyChoice[] = (await localPolicies(a)).map((p) => ({ arn: text(p, 'Arn'), name: text(p, 'PolicyName') }));
  const aws: PolicyChoice[] = (await listAll(a, 'ListPolicies', { Scope: 'AWS' }, 'PolicyName')).map((p) => ({
    arn: text(p, 'Arn'),
    name: text(p, 'PolicyName'),
  }));
  const yours = attachChoices(mine, attachedArns);
  const theirs = attachChoices(aws, attachedArns);
  const sel = h(
    'select',
    { 'aria-label': `Managed policy to attach to ${entity}` },
    h('option', { value: '' }, '— choose a policy —'),
    yours.length
      ? h(
          'optgroup',
          { label: 'Customer managed' },
          yours.map((p) => h('option', { value: p.arn }, p.name)),
        )
      : null,
    theirs.length
      ? h(
          'optgroup',
          { label: 'AWS managed' },
          theirs.map((p) => h('option', { value: p.arn }, p.name)),
        )
      : null,
  );
  const arn = h('input', { name: 'managedArn', placeholder: 'or a policy ARN', 'aria-label': `Managed policy ARN for ${entity}` });
  return h(
    'div',
    { class: 'toolbar' },
    sel,
    arn,
    h(
      'button',
      {
        'aria-label': `Attach managed policy to ${entity}`,
        onclick: async () => {
          const chosen = arn.value.trim() || sel.value;
          if (chosen) await attach(chosen);
        },
      },
      'Attach managed policy',
    ),
  );
}

/** The user panel's "Groups" part: the user's groups with Remove, and a picker to add it to another. */
export async function userGroups(d: GroupsDeps, user: string, reload: () => Promise<void>): Promise<HTMLElement> {
  const a = d.api;
  const mine = (await listAll(a, 'ListGroupsForUser', { UserName: user }, 'GroupName')).map((g) => text(g, 'GroupName'));
  const offer = addChoices(await groupNames(a), mine);
  const sel = h(
    'select',
    { 'aria-label': `Group to add ${user} to` },
    offer.map((g) => h('option', { value: g }, g)),
  );
  const act = (action: string, group: string) => async () => {
    if ((await d.guard(() => a.query('iam', action, { UserName: user, GroupName: group }))) !== undefined) await d.guard(reload);
  };
  return h(
    'section',
    { 'aria-label': `Groups of ${user}` },
    h('h3', {}, 'Groups'),
    h(
      'ul',
      {},
      mine.length === 0 ? h('li', {}, 'In no group.') : null,
      mine.map((g) =>
        h('li', {}, g, ' ', h('button', { class: 'link danger', 'aria-label': `Remove ${user} from ${g}`, onclick: act('RemoveUserFromGroup', g) }, 'Remove')),
      ),
    ),
    offer.length
      ? h('div', { class: 'toolbar' }, sel, h('button', { onclick: () => (sel.value ? act('AddUserToGroup', sel.value)() : undefined) }, 'Add to group'))
      : null,
  );
}

/** An inline-policy editor: name, a "fill from form" helper, the JSON, the server's verdict in place. */
function inlineEditor(label: string, save: (name: string, doc: string) => Promise<void>): HTMLElement {
  const policyName = h('input', { name: 'policyName', value: 'bucket-access', 'aria-label': `${label} inline policy name` });
  const bucketName = h('input', { name: 'policyBucket', placeholder: 'bucket', 'aria-label': `Bucket for the ${label} policy form` });
  const accessSel = h(
    'select',
    { 'aria-label': `Access for the ${label} policy form` },
    h('option', { value: 'read' }, 'read only'),
    h('option', { value: 'readwrite' }, 'read and write'),
  );
  const policyDoc = h('textarea', { rows: 8, class: 'code', 'aria-label': `${label} inline policy JSON`, spellcheck: 'false' });
  const err = h('div', { class: 'inline-error', role: 'alert' });
  return h(
    'div',
    {},
    h(
      'div',
      { class: 'toolbar' },
      bucketName,
      accessSel,
      h(
        'button',
        {
          'aria-label': `Fill the ${label} policy from the form`,
          onclick: () => (policyDoc.value = bucketPolicyForm(bucketName.value.trim() || 'bucket', accessSel.value as 'read' | 'readwrite')),
        },
        'Fill from form',
      ),
    ),
    field('Policy name', policyName),
    policyDoc,
    err,
    inPlace(err, 'Save inline policy', { class: 'primary', 'aria-label': `Save the ${label} inline policy` }, () =>
      save(policyName.value.trim(), policyDoc.value),
    ),
  );
}

/** The Groups section: the account's groups, a create form, and the chosen group's panel. */
export function groupsSection(d: GroupsDeps): { el: HTMLElement; load: () => Promise<void> } {
  const a = d.api;
  const rows = h('tbody');
  const listErr = h('div', { class: 'inline-error', role: 'alert', 'aria-label': 'Group error' });
  const detail = h('section', { class: 'card', 'aria-label': 'Group' });
  const newGroup = h('input', { name: 'groupName', placeholder: 'family', required: true, spellcheck: 'false' });
  const createErr = h('div', { class: 'inline-error', role: 'alert', 'aria-label': 'Create group error' });

  const load = async () => {
    const groups = await listAll(a, 'ListGroups', {}, 'GroupName');
    clear(
      rows,
      groups.length === 0 ? h('tr', {}, h('td', { colspan: 3 }, 'No groups.')) : null,
      groups.map((g) => {
        const name = text(g, 'GroupName');
        return h(
          'tr',
          {},
          h('td', {}, h('button', { class: 'link', onclick: () => void d.guard(() => showGroup(name)) }, name)),
          h('td', {}, text(g, 'Arn')),
          h(
            'td',
            { class: 'actions' },
            inPlace(listErr, 'Delete', { class: 'danger', 'aria-label': `Delete group ${name}` }, async () => {
              if (!confirm(`Delete group ${name}?`)) return;
              await a.query('iam', 'DeleteGroup', { GroupName: name });
              d.say(`Group ${name} deleted.`);
              if (detail.dataset.group === name) clear(detail);
              await load();
            }),
          ),
        );
      }),
    );
  };

  const showGroup = async (name: string) => {
    const group = await a.query('iam', 'GetGroup', { GroupName: name });
    const members = [...group.getElementsByTagName('member')].map((m) => text(m, 'UserName')).filter(Boolean);
    const users = (await listAll(a, 'ListUsers', {}, 'UserName')).map((u) => text(u, 'UserName'));
    const attached = (await listAll(a, 'ListAttachedGroupPolicies', { GroupName: name }, 'PolicyArn')).map((p) => text(p, 'PolicyArn'));
    const inline = [...(await a.query('iam', 'ListGroupPolicies', { GroupName: name })).getElementsByTagName('member')].map((m) => m.textContent ?? '');
    const reload = () => showGroup(name);
    const run = (f: () => Promise<unknown>) => async () => {
      if ((await d.guard(f)) !== undefined) await d.guard(reload);
    };
    const offer = addChoices(users, members);
    const userSel = h(
      'select',
      { 'aria-label': `User to add to ${name}` },
      offer.map((u) => h('option', { value: u }, u)),
    );
    const shown = h('pre', { class: 'code', 'aria-label': `Policy document in ${name}`, hidden: true });
    detail.dataset.group = name;
    clear(
      detail,
      h('h2', {}, `Group ${name}`),
      h('p', {}, text(kid(kid(group, 'GetGroupResult') ?? group, 'Group'), 'Arn')),
      h('h3', {}, 'Members'),
      h(
        'ul',
        { 'aria-label': `Members of ${name}` },
        members.length === 0 ? h('li', {}, 'No members.') : null,
        members.map((u) =>
          h(
            'li',
            {},
            h('button', { class: 'link', onclick: () => void d.guard(() => d.showUser(u)) }, u),
            ' ',
            h(
              'button',
              {
                class: 'link danger',
                'aria-label': `Remove ${u} from ${name}`,
                onclick: run(() => a.query('iam', 'RemoveUserFromGroup', { GroupName: name, UserName: u })),
              },
              'Remove',
            ),
          ),
        ),
      ),
      offer.length
        ? h(
            'div',
            { class: 'toolbar' },
            userSel,
            h(
              'button',
              { onclick: () => (userSel.value ? run(() => a.query('iam', 'AddUserToGroup', { GroupName: name, UserName: userSel.value }))() : undefined) },
              'Add user',
            ),
          )
        : h('p', {}, 'Every user is a member.'),
      h('h3', {}, 'Policies'),
      h(
        'ul',
        { 'aria-label': `Policies of ${name}` },
        attached.map((arn) =>
          h(
            'li',
            {},
            arn,
            ' ',
            h(
              'button',
              {
                class: 'link danger',
                'aria-label': `Detach ${arn} from ${name}`,
                onclick: async () => {
                  await run(() => a.query('iam', 'DetachGroupPolicy', { GroupName: name, PolicyArn: arn }))();
                  await d.guard(d.attachmentsChanged);
                },
              },
              'Detach',
            ),
          ),
        ),
        inline.map((pn) =>
          h(
            'li',
            {},
            `inline: ${pn} `,
            h(
              'button',
              {
                class: 'link',
                'aria-label': `Show inline policy ${pn}`,
                onclick: () =>
                  void d.guard(async () => {
                    const doc = await a.query('iam', 'GetGroupPolicy', { GroupName: name, PolicyName: pn });
                    shown.textContent = policyText(doc.getElementsByTagName('PolicyDocument')[0]?.textContent ?? '');
                    shown.hidden = false;
                  }),
              },
              'Show',
            ),
            ' ',
            h(
              'button',
              {
                class: 'link danger',
                'aria-label': `Delete inline policy ${pn}`,
                onclick: run(() => a.query('iam', 'DeleteGroupPolicy', { GroupName: name, PolicyName: pn })),
              },
              'Delete',
            ),
          ),
        ),
      ),
      shown,
      await attachPicker(a, attached, name, async (arn) => {
        await run(() => a.query('iam', 'AttachGroupPolicy', { GroupName: name, PolicyArn: arn }))();
        await d.guard(d.attachmentsChanged);
      }),
      inlineEditor(`Group ${name}`, async (pn, doc) => {
        await a.query('iam', 'PutGroupPolicy', { GroupName: name, PolicyName: pn, PolicyDocument: doc });
        d.say('Policy saved.');
        await reload();
      }),
    );
  };

  const el = h(
    'section',
    { class: 'card', 'aria-label': 'Groups' },
    h('h2', {}, 'Groups'),
    h(
      'form',
      {
        class: 'inline',
        'aria-label': 'Create group',
        onsubmit: async (e: Event) => {
          e.preventDefault();
          createErr.textContent = '';
          const n = newGroup.value.trim();
          try {
            await a.query('iam', 'CreateGroup', { GroupName: n });
          } catch (err) {
            createErr.textContent = failureText(err);
            return;
          }
          newGroup.value = '';
          await d.guard(load);
          await d.guard(() => showGroup(n));
        },
      },
      field('New group', newGroup),
      h('button', { type: 'submit', class: 'primary' }, 'Create group'),
    ),
    createErr,
    h('table', { class: 'list', 'aria-label': 'Groups' }, h('thead', {}, h('tr', {}, h('th', {}, 'Group'), h('th', {}, 'ARN'), h('th', {}, ''))), rows),
    listErr,
    detail,
  );
  return { el, load };
}

/** The Managed policies section: the account's customer managed policies, create, view and delete. */
export function policiesSection(d: GroupsDeps): { el: HTMLElement; load: () => Promise<void> } {
  const a = d.api;
  const rows = h('tbody');
  const listErr = h('div', { class: 'inline-error', role: 'alert', 'aria-label': 'Managed policy error' });
  const view = h('div', { 'aria-live': 'polite' });
  const name = h('input', { name: 'managedPolicyName', placeholder: 'photos-read', required: true, spellcheck: 'false' });
  const description = h('input', { name: 'managedPolicyDescription', placeholder: 'optional' });
  const bucketName = h('input', { name: 'managedBucket', placeholder: 'bucket', 'aria-label': 'Bucket for the managed policy form' });
  const accessSel = h(
    'select',
    { 'aria-label': 'Access for the managed policy form' },
    h('option', { value: 'read' }, 'read only'),
    h('option', { value: 'readwrite' }, 'read and write'),
  );
  const docIn = h('textarea', { rows: 8, class: 'code', 'aria-label': 'Managed policy JSON', spellcheck: 'false' });
  const createErr = h('div', { class: 'inline-error', role: 'alert', 'aria-label': 'Create policy error' });

  const load = async () => {
    const list = await localPolicies(a);
    clear(
      rows,
      list.length === 0 ? h('tr', {}, h('td', { colspan: 4 }, 'No customer managed policies.')) : null,
      list.map((p) => {
        const pn = text(p, 'PolicyName');
        const arn = text(p, 'Arn');
        return h(
          'tr',
          {},
          h(
            'td',
            {},
            h(
              'button',
              {
                class: 'link',
                'aria-label': `View policy ${pn}`,
                onclick: () =>
                  void d.guard(async () => {
                    const version = text(p, 'DefaultVersionId') || 'v1';
                    const document = await managedDocument(a, arn);
                    clear(view, h('h3', {}, `Policy ${pn} (${version})`), h('pre', { class: 'code', 'aria-label': `Document of ${pn}` }, document));
                  }),
              },
              pn,
            ),
          ),
          h('td', {}, arn),
          h('td', {}, text(p, 'AttachmentCount')),
          h(
            'td',
            { class: 'actions' },
            inPlace(listErr, 'Delete', { class: 'danger', 'aria-label': `Delete policy ${pn}` }, async () => {
              if (!confirm(`Delete policy ${pn}?`)) return;
              await a.query('iam', 'DeletePolicy', { PolicyArn: arn });
              d.say(`Policy ${pn} deleted.`);
              clear(view);
              await load();
            }),
          ),
        );
      }),
    );
  };

  const el = h(
    'section',
    { class: 'card', 'aria-label': 'Managed policies' },
    h('h2', {}, 'Managed policies'),
    h(
      'table',
      { class: 'list', 'aria-label': 'Customer managed policies' },
      h('thead', {}, h('tr', {}, h('th', {}, 'Policy'), h('th', {}, 'ARN'), h('th', {}, 'Attachments'), h('th', {}, ''))),
      rows,
    ),
    listErr,
    view,
    h('h3', {}, 'Create a managed policy'),
    field('New managed policy', name),
    field('Policy description', description),
    h(
      'div',
      { class: 'toolbar' },
      bucketName,
      accessSel,
      h(
        'button',
        {
          'aria-label': 'Fill the managed policy from the form',
          onclick: () => (docIn.value = bucketPolicyForm(bucketName.value.trim() || 'bucket', accessSel.value as 'read' | 'readwrite')),
        },
        'Fill from form',
      ),
    ),
    docIn,
    createErr,
    inPlace(createErr, 'Create policy', { class: 'primary' }, async () => {
      const pn = name.value.trim();
      await a.query('iam', 'CreatePolicy', {
        PolicyName: pn,
        PolicyDocument: docIn.value,
        ...(description.value.trim() ? { Description: description.value.trim() } : {}),
      });
      d.say(`Policy ${pn} created.`);
      name.value = '';
      description.value = '';
      docIn.value = '';
      await load();
    }),
  );
  return { el, load };
}
