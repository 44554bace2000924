import { Migration } from '@mikro-orm/migrations';

/** Captured tables carry their whole old row in the WAL, so change events name what changed (Debezium and the relay alike). */
export class Migration20261122010000_replica_identity extends Migration {
  override name = 'Migration20261122010000_replica_identity';

  override up(): void | Promise<void> {
    this.addSql(`alter table "instances"."instance" replica identity full;`);
    this.addSql(`alter table "instances"."knowledge_base_entry" replica identity full;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "instances"."instance" replica identity default;`);
    this.addSql(`alter table "instances"."knowledge_base_entry" replica identity default;`);
  }
}
