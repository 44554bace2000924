import { Migration } from '@mikro-orm/migrations';

export class Migration20261122014051_previous_refresh_hash extends Migration {

  override name = 'Migration20261122014051_previous_refresh_hash';

  override up(): void | Promise<void> {
    this.addSql(`alter table "users"."session" add "previous_refresh_hash" varchar(255) null;`);
  }

  override down(): void | Promise<void> {
    this.addSql(`alter table "users"."session" drop column "previous_refresh_hash";`);
  }

}
