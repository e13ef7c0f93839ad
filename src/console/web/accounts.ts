/**
 * The administrator's Accounts screen: list, create (the new root's access
 * key and secret shown once, with Copy and Download-as-file) and delete
 * (confirmed), through Cairn's CreateAccount / ListAccounts / DeleteAccount
 * IAM extensions signed with the long-term credentials — the server alone
 * decides who may (only the instance administrator).
 */
import { kid, text, type Cairn } from './api.js';
import { clear, field, h } from './dom.js';

/** What the screen borrows from the console's shell. */
export interface AccountsDeps {
  readonly api: Cairn;
  readonly shell: (title: string, ...body: (Node | string | null | Node[])[]) => HTMLElement;
  readonly showError: (e: unknown) => void;
  readonly say: (msg: string) => void;
}

export async function accountsView(d: AccountsDeps): Promise<HTMLElement> {
  const rows = h('tbody');
  const secretOut = h('div', { class: 'secret', 'aria-label': 'Root keys of the created account' });
  const name = h('input', { name: 'accountName', placeholder: 'family', required: true, spellcheck: 'false' });
  const email = h('input', { name: 'email', type: 'email', placeholder: 'optional' });

  const run = async (f: () => Promise<void>): Promise<void> => {
    try {
      await f();
    } catch (e) {
      d.showError(e);
    }
  };

  const load = async () => {
    const all: Element[] = [];
    let marker: string | undefined;
    for (;;) {
      const doc = await d.api.query('iam', 'ListAccounts', { MaxItems: '1000', ...(marker ? { Marker: marker } : {}) });
      const result = kid(doc, 'ListAccountsResult');
      all.push(...[...doc.getElementsByTagName('member')].filter((m) => kid(m, 'AccountName')));
      if (text(result, 'IsTruncated') !== 'true') break;
      marker = text(result, 'Marker');
    }
    clear(
      rows,
      all.map((a) => {
        const n = text(a, 'AccountName');
        const admin = text(a, 'IsAdministrator') === 'true';
        return h(
          'tr',
          {},
          h('td', {}, n, admin ? ' (administrator)' : ''),
          h('td', {}, h('code', {}, text(a, 'AccountId'))),
          h('td', {}, text(a, 'Email')),
          h('td', {}, text(a, 'CreateDate').slice(0, 10)),
          h(
            'td',
            { class: 'actions' },
            admin
              ? null
              : h(
                  'button',
                  {
                    class: 'link danger',
                    'aria-label': `Delete account ${n}`,
                    onclick: () =>
                      void run(async () => {
                        if (!confirm(`Delete account ${n}? It must own no buckets; its users and keys go with it.`)) return;
                        await d.api.query('iam', 'DeleteAccount', { AccountName: n });
                        d.say(`Deleted account ${n}.`);
                        clear(secretOut);
                        await load();
                      }),
                  },
                  'Delete',
                ),
          ),
        );
      }),
    );
  };

  const form = h(
    'form',
    {
      class: 'inline',
      'aria-label': 'Create account',
      onsubmit: (e: Event) => {
        e.preventDefault();
        void run(async () => {
          const params: Record<string, string> = { AccountName: name.value.trim() };
          if (email.value.trim()) params.Email = email.value.trim();
          const doc = await d.api.query('iam', 'CreateAccount', params);
          const acct = doc.getElementsByTagName('Account')[0];
          const id = doc.getElementsByTagName('AccessKeyId')[0]?.textContent ?? '';
          const secret = doc.getElementsByTagName('SecretAccessKey')[0]?.textContent ?? '';
          const n = text(acct, 'AccountName');
          const file = new Blob([`[${n}]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\n`], { type: 'text/plain' });
          clear(
            secretOut,
            h('p', {}, `Account ${n} (${text(acct, 'AccountId')}) created. Its root user's secret is shown once. Copy it now.`),
            h('code', { class: 'key-id' }, id),
            ' ',
            h('code', { class: 'key-secret' }, secret),
            ' ',
            h('button', { type: 'button', onclick: () => navigator.clipboard?.writeText(`${id} ${secret}`) }, 'Copy'),
            ' ',
            h('a', { class: 'button', href: URL.createObjectURL(file), download: `${n}-root-credentials.txt` }, 'Download as file'),
          );
          name.value = '';
          email.value = '';
          d.say(`Created account ${n}.`);
          await load();
        });
      },
    },
    field('New account', name),
    field('Email', email),
    h('button', { type: 'submit', class: 'primary' }, 'Create account'),
  );

  await load();
  return d.shell(
    'Accounts',
    h(
      'section',
      { class: 'card' },
      h('p', {}, 'Accounts of this Cairn (only the administrator sees this page). Each has its own buckets, IAM users and root keys.'),
      form,
      secretOut,
      h(
        'table',
        {},
        h('thead', {}, h('tr', {}, h('th', {}, 'Account'), h('th', {}, 'Account ID'), h('th', {}, 'Email'), h('th', {}, 'Created'), h('th', {}, ''))),
        rows,
      ),
    ),
  );
}
