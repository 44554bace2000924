/** An entity another subgraph owns, named by its key; the gateway fetches its fields from the owner. */
export interface UserReference {
  __typename?: 'User';
  id: string;
}

export interface InstanceReference {
  __typename?: 'Instance';
  id: string;
}
