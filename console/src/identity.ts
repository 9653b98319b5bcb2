import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { SessionReply } from './teams-client';

/** Who the console is signed in as: a key (machines, the bootstrap admin) or a person with a session cookie. */
export type Identity = { kind: 'key' } | { kind: 'person'; session: SessionReply };

export const IdentityContext = createContext<Identity>({ kind: 'key' });
export const useIdentity = () => useContext(IdentityContext);

/** Team and Audit are for admins. A key's role is not known here, so for a key the hub decides (and says so). */
export const mayAdminister = (identity: Identity) => identity.kind === 'key' || identity.session.project.role === 'owner' || identity.session.project.role === 'admin';
